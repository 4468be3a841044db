int rig_stub_flatbuffers;
