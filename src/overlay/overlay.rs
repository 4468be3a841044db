//! The `Overlay` component: an absolutely positioned layer over the player's video.

use std::rc::Rc;

use web_sys::HtmlVideoElement;
use yew::prelude::*;

use super::fault_guard;
use super::frame_loop::FrameLoop;
use crate::core::draw::renderer_choice::RendererPolicy;
use crate::events::store_handle::StoreHandle;
use crate::media::ClockHandle;

#[derive(Properties, PartialEq, Clone)]
pub struct OverlayProps {
    /// The player's `<video>`; only read, never controlled.
    pub video: NodeRef,
    pub store: StoreHandle,
    /// Media time to wall time: a clip's start, or a recording's per-segment mapping.
    pub clock: ClockHandle,
    /// Which renderers the overlay may use (tests and the benchmark pin one).
    #[prop_or_default]
    pub renderer: RendererPolicy,
}

/// Draws the store's detections over `video`, frame by frame.
///
/// Yew renders only the empty root; the primitives beneath it are drawn by
/// the frame loop, through direct DOM writes or on its canvas layer.
#[function_component(Overlay)]
pub fn overlay(props: &OverlayProps) -> Html {
    let root = use_node_ref();
    {
        let (root, video, store, clock) =
            (root.clone(), props.video.clone(), props.store.clone(), props.clock.clone());
        use_effect_with((store, clock, props.renderer), move |(store, clock, renderer)| {
            let running: Option<Rc<FrameLoop>> =
                match (root.cast::<web_sys::Element>(), video.cast::<HtmlVideoElement>()) {
                    (Some(root_el), Some(video_el)) => match FrameLoop::start(
                        video_el,
                        root_el.clone(),
                        store.clone(),
                        clock.clone(),
                        *renderer,
                    ) {
                        Ok(l) => Some(Rc::new(l)),
                        Err(e) => {
                            fault_guard::report(&root_el, &format!("{e:?}"));
                            None
                        }
                    },
                    _ => None,
                };
            move || drop(running)
        });
    }
    let hidden = fault_guard::has_faulted();
    let style = if hidden {
        "display:none"
    } else {
        "position:absolute;inset:0;overflow:hidden;pointer-events:none;contain:strict"
    };
    html! {
        <div ref={root} data-overlay-root="" data-overlay-state={if hidden { "hidden" } else { "empty" }} style={style} aria-hidden="true" />
    }
}
