// The part of mediasoup-client the live player uses: the Device (which makes
// receive transports and consumers). Bundled by `cargo xtask` with esbuild into
// one ES module, served beside the viewer and imported only on live pages.
export { Device, version } from 'mediasoup-client';
