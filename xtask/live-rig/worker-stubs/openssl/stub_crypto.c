int rig_stub_libcrypto;
