int rig_stub_absl;
