//! Entropy from QEMU's virtio-rng device (the host's), a DMA page at a
//! time: each device request's wait yields the processor.

/// The device and the page it writes into.
pub struct Source {
    device: virtio::Device,
    page: usize,
    phys: usize,
}

impl Source {
    pub fn open() -> Result<Source, &'static str> {
        let device = virtio::Device::find(virtio::ENTROPY).map_err(|_| "rng: no virtio entropy device; requests will fail\n")?;
        let (page, phys) = virtio::dma_page().map_err(|_| "rng: no DMA page for the entropy device; requests will fail\n")?;
        Ok(Source { device, page, phys })
    }

    /// Fills `out` from the device, as far as it gives; how many bytes.
    pub fn fill(&mut self, out: &mut [u8]) -> usize {
        let mut filled = 0;
        while filled < out.len() {
            let chunk = (out.len() - filled).min(4096);
            match self.device.fill(self.phys, chunk as u32) {
                Ok(n) if n > 0 => {
                    let n = (n as usize).min(chunk);
                    // SAFETY: our DMA page, which the device has just written.
                    let bytes = unsafe { core::slice::from_raw_parts(self.page as *const u8, n) };
                    out[filled..filled + n].copy_from_slice(bytes);
                    filled += n;
                }
                _ => break,
            }
        }
        filled
    }
}
