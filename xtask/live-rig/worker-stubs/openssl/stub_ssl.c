int rig_stub_libssl;
