//! The virtio-mmio transport's register map (virtio 1.x, the "modern"
//! layout), as QEMU virt's eight slots (`qemu_virt::VIRTIO_FIRST`) present
//! it: offsets in a device's page, the status bits, the one feature every
//! driver here takes. Defined once for the drivers in services/virtio and
//! the kernel's own swap disk (kernel/src/arch/riscv/machine/qemu_virt/).

pub const MAGIC: usize = 0x000;
pub const VERSION: usize = 0x004;
pub const DEVICE_ID: usize = 0x008;
pub const DEVICE_FEATURES: usize = 0x010;
pub const DEVICE_FEATURES_SEL: usize = 0x014;
pub const DRIVER_FEATURES: usize = 0x020;
pub const DRIVER_FEATURES_SEL: usize = 0x024;
pub const QUEUE_SEL: usize = 0x030;
pub const QUEUE_NUM_MAX: usize = 0x034;
pub const QUEUE_NUM: usize = 0x038;
pub const QUEUE_READY: usize = 0x044;
pub const QUEUE_NOTIFY: usize = 0x050;
pub const INTERRUPT_STATUS: usize = 0x060;
pub const INTERRUPT_ACK: usize = 0x064;
pub const STATUS: usize = 0x070;
/// Physical addresses of the descriptor table, the available ring and the
/// used ring: each a low word, then a high one.
pub const QUEUE_DESC: usize = 0x080;
pub const QUEUE_DRIVER: usize = 0x090;
pub const QUEUE_DEVICE: usize = 0x0a0;
/// Changes whenever the device changes its configuration.
pub const CONFIG_GENERATION: usize = 0x0fc;
/// The device-specific configuration space.
pub const CONFIG: usize = 0x100;

/// MAGIC's value ("virt"), and VERSION's for the modern registers.
pub const MAGIC_VALUE: u32 = 0x7472_6976;
pub const MODERN: u32 = 2;

/// Device status bits, in the order a driver sets them.
pub const ACKNOWLEDGE: u32 = 1;
pub const DRIVER: u32 = 2;
pub const FEATURES_OK: u32 = 8;
pub const DRIVER_OK: u32 = 4;

/// VIRTIO_F_VERSION_1: the modern interface, which is all we speak.
pub const FEATURE_VERSION_1: u64 = 1 << 32;
