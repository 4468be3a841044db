//! The stage: a player's video with the overlay on top, filling its parent, with a fullscreen button.

use web_sys::Element;
use yew::prelude::*;

#[derive(Properties, PartialEq, Clone)]
pub struct StageProps {
    /// The player and the overlay, in that order (the overlay paints above).
    pub children: Html,
}

/// Fullscreen applies to the stage, so the overlay stays above the video.
#[function_component(Stage)]
pub fn stage(props: &StageProps) -> Html {
    let stage_ref = use_node_ref();
    let fullscreen = {
        let stage_ref = stage_ref.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(stage) = stage_ref.cast::<Element>() {
                let _ = stage.request_fullscreen();
            }
        })
    };
    html! {
        <div class="stage" ref={stage_ref} style="position:relative;width:100%;height:100%;background:#000;overflow:hidden">
            { props.children.clone() }
            <button class="fullscreen" type="button" onclick={fullscreen} title="Fullscreen">{ "Fullscreen" }</button>
        </div>
    }
}
