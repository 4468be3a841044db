int rig_stub_libsrtp;
