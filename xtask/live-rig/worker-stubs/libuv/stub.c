int rig_stub_libuv;
