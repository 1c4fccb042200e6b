"""The Qt-free core: bundles, workspace, search, review, reports and signatures."""
