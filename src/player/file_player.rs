//! Plays a file (MP4/WebM) in a `<video>` that it owns; the overlay only reads it.

use web_sys::HtmlVideoElement;
use yew::prelude::*;

#[derive(Properties, PartialEq, Clone)]
pub struct FilePlayerProps {
    pub src: AttrValue,
    /// Shared with the overlay, which reads frame metadata and geometry from it.
    pub video_ref: NodeRef,
    /// Called with the media duration in seconds once metadata is known.
    #[prop_or_default]
    pub on_duration: Callback<f64>,
    /// Loop the clip (the demo does).
    #[prop_or(true)]
    pub looped: bool,
}

/// A muted, inline, autoplaying `<video>` with the browser's native controls.
///
/// Its own fullscreen button is removed (`controlslist`): fullscreen on the
/// bare video would hide the overlay, so the page offers fullscreen on the
/// stage that holds both.
#[function_component(FilePlayer)]
pub fn file_player(props: &FilePlayerProps) -> Html {
    let error = use_state(|| false);
    {
        let video_ref = props.video_ref.clone();
        let error = error.clone();
        use_effect_with(props.src.clone(), move |_| {
            error.set(false);
            if let Some(v) = video_ref.cast::<HtmlVideoElement>() {
                // The muted property (not only the attribute) is what autoplay policies check.
                v.set_muted(true);
                if let Ok(p) = v.play() {
                    // A refused autoplay leaves the native play button to the user.
                    wasm_bindgen_futures::spawn_local(async move {
                        let _ = wasm_bindgen_futures::JsFuture::from(p).await;
                    });
                }
            }
        });
    }
    let on_meta = {
        let cb = props.on_duration.clone();
        Callback::from(move |e: Event| {
            if let Some(v) = e.target_dyn_into::<HtmlVideoElement>() {
                cb.emit(v.duration());
            }
        })
    };
    let on_error = {
        let error = error.clone();
        Callback::from(move |_: Event| error.set(true))
    };
    html! {
        <>
            <video
                ref={props.video_ref.clone()}
                src={props.src.clone()}
                muted=true
                autoplay=true
                playsinline=true
                controls=true
                loop={props.looped}
                preload="auto"
                controlslist="nofullscreen"
                disablepictureinpicture=true
                onloadedmetadata={on_meta}
                onerror={on_error}
                style="position:absolute;inset:0;width:100%;height:100%;object-fit:contain;background:#000"
            />
            if *error {
                <div class="player-message" role="alert">{ format!("The video could not be played: {}", props.src) }</div>
            }
        </>
    }
}
