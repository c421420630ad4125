"""Real-kernel test tier: build the module against Debian kernels and run it under QEMU."""
