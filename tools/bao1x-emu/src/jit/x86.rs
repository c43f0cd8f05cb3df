//! Just enough of an x86-64 assembler for jit/compile.rs: 32-bit
//! arithmetic on eax/ecx/edx, the guest's registers as [rdi + 4*n],
//! memory as [base + rdx], the data-page tables as [rbx + rdx*8 + disp],
//! a table of words as [rdx + rcx*4],
//! jumps to labels patched when the code is done.
//! Encodings from the Intel manual's opcode tables.

pub const EAX: u8 = 0;
pub const ECX: u8 = 1;
pub const EDX: u8 = 2;

/// A two-operand ALU operation: its `op r/m32, r32` opcode and its /digit
/// in the 0x81 immediate group.
#[derive(Clone, Copy)]
pub enum Alu {
    Add,
    Or,
    And,
    Sub,
    Xor,
    Cmp,
}

impl Alu {
    fn codes(self) -> (u8, u8) {
        match self {
            Alu::Add => (0x01, 0),
            Alu::Or => (0x09, 1),
            Alu::And => (0x21, 4),
            Alu::Sub => (0x29, 5),
            Alu::Xor => (0x31, 6),
            Alu::Cmp => (0x39, 7),
        }
    }
}

/// The /digit of each shift and rotation in the 0xC1 and 0xD3 groups.
#[derive(Clone, Copy)]
pub enum Shift {
    RotateLeft = 0,
    Left = 4,
    Right = 5,
    Arithmetic = 7,
}

/// Condition codes (the low nibble of Jcc/SETcc).
#[derive(Clone, Copy)]
pub enum Cond {
    Below = 0x2,
    AboveEqual = 0x3,
    Equal = 0x4,
    NotEqual = 0x5,
    Less = 0xC,
    GreaterEqual = 0xD,
}

/// A base register for [base + rdx]: the SIB byte's base and whether it
/// needs REX.B.
#[derive(Clone, Copy)]
pub enum Base {
    Rsi,
    R11,
}

/// Width and extension of a load.
#[derive(Clone, Copy)]
pub enum Width {
    U8,
    I8,
    U16,
    I16,
    W32,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Label(usize);

/// Callee-saved host registers that may hold guest registers for a whole
/// compiled block: rbp, r12-r15.
pub const KEEPERS: [u8; 5] = [5, 12, 13, 14, 15];

#[derive(Default)]
pub struct Asm {
    pub code: Vec<u8>,
    labels: Vec<Option<usize>>,
    /// rel32 fields to patch: where, and the label they jump to.
    fixups: Vec<(usize, Label)>,
    /// The host register (one of KEEPERS) holding each guest register
    /// kept in one: loaded by the prologue, stored back at every exit.
    kept: Vec<(u8, u8)>,
}

/// REX with `bits` (W=8, R=4, B=1) if any, for a register's high bit.
fn rex(bits: u8) -> Option<u8> {
    (bits != 0).then_some(0x40 | bits)
}

impl Asm {
    fn bytes(&mut self, bytes: &[u8]) {
        self.code.extend_from_slice(bytes);
    }

    fn imm32(&mut self, value: u32) {
        self.bytes(&value.to_le_bytes());
    }

    pub fn label(&mut self) -> Label {
        self.labels.push(None);
        Label(self.labels.len() - 1)
    }

    pub fn bind(&mut self, label: Label) {
        self.labels[label.0] = Some(self.code.len());
    }

    fn rel32(&mut self, label: Label) {
        self.fixups.push((self.code.len(), label));
        self.imm32(0);
    }

    /// The code, every jump patched; every label used must be bound.
    pub fn finish(mut self) -> Vec<u8> {
        for &(at, label) in &self.fixups {
            let target = self.labels[label.0].expect("a bound label") as i64;
            let rel = (target - (at as i64 + 4)) as i32;
            self.code[at..at + 4].copy_from_slice(&rel.to_le_bytes());
        }
        self.code
    }

    /// Keeps guest register `n` (not x0) in host register `host` (one of
    /// KEEPERS) for the whole block; before `prologue`.
    pub fn keep(&mut self, n: u8, host: u8) {
        debug_assert!(n != 0 && KEEPERS.contains(&host));
        self.kept.push((n, host));
    }

    fn kept_in(&self, n: u8) -> Option<u8> {
        self.kept.iter().find(|&&(guest, _)| guest == n).map(|&(_, host)| host)
    }

    /// An instruction `opcode` between `reg` (eax/ecx/edx) and the host
    /// register `host`, in the register-direct form.
    fn with_host(&mut self, opcode: u8, reg: u8, host: u8) {
        if let Some(rex) = rex(host >> 3) {
            self.bytes(&[rex]);
        }
        self.bytes(&[opcode, 0xC0 | reg << 3 | (host & 7)]);
    }

    /// mov dst, guest register `n` (x0 reads 0).
    pub fn load_guest(&mut self, dst: u8, n: u8) {
        if n == 0 {
            self.alu(Alu::Xor, dst, dst);
        } else if let Some(host) = self.kept_in(n) {
            self.with_host(0x8B, dst, host);
        } else {
            self.bytes(&[0x8B, 0x47 | dst << 3, 4 * n]);
        }
    }

    /// mov guest register `n` (not x0), src.
    pub fn store_guest(&mut self, n: u8, src: u8) {
        debug_assert!(n != 0);
        match self.kept_in(n) {
            Some(host) => self.with_host(0x89, src, host),
            None => self.bytes(&[0x89, 0x47 | src << 3, 4 * n]),
        }
    }

    /// op dst, guest register `n` (register-memory form; x0 as 0 loaded
    /// into edx first would clobber it, so x0 goes through `alu_imm`).
    pub fn alu_guest(&mut self, op: Alu, dst: u8, n: u8) {
        // The r32, r/m32 form is the r/m32, r32 opcode + 2.
        if n == 0 {
            self.alu_imm(op, dst, 0);
        } else if let Some(host) = self.kept_in(n) {
            self.with_host(op.codes().0 + 2, dst, host);
        } else {
            self.bytes(&[op.codes().0 + 2, 0x47 | dst << 3, 4 * n]);
        }
    }

    /// mov [rdi + 4n], host (or host, [rdi + 4n] with `opcode` 0x8B).
    fn guest_memory(&mut self, opcode: u8, n: u8, host: u8) {
        if let Some(rex) = rex((host >> 3) << 2) {
            self.bytes(&[rex]);
        }
        self.bytes(&[opcode, 0x47 | (host & 7) << 3, 4 * n]);
    }

    /// push (or with `pop`, pop) the 64-bit host register `host`.
    fn push_pop(&mut self, host: u8, pop: bool) {
        if let Some(rex) = rex(host >> 3) {
            self.bytes(&[rex]);
        }
        self.bytes(&[if pop { 0x58 } else { 0x50 } + (host & 7)]);
    }

    pub fn mov_imm(&mut self, dst: u8, value: u32) {
        self.bytes(&[0xB8 + dst]);
        self.imm32(value);
    }

    pub fn mov(&mut self, dst: u8, src: u8) {
        self.bytes(&[0x89, 0xC0 | src << 3 | dst]);
    }

    pub fn alu(&mut self, op: Alu, dst: u8, src: u8) {
        self.bytes(&[op.codes().0, 0xC0 | src << 3 | dst]);
    }

    pub fn alu_imm(&mut self, op: Alu, dst: u8, value: u32) {
        self.bytes(&[0x81, 0xC0 | op.codes().1 << 3 | dst]);
        self.imm32(value);
    }

    pub fn shift_imm(&mut self, kind: Shift, dst: u8, count: u8) {
        self.bytes(&[0xC1, 0xC0 | (kind as u8) << 3 | dst, count]);
    }

    /// Shift by cl (the count masked to 5 bits by the CPU, as RISC-V does).
    pub fn shift_cl(&mut self, kind: Shift, dst: u8) {
        self.bytes(&[0xD3, 0xC0 | (kind as u8) << 3 | dst]);
    }

    /// movzx dst, the low byte of src (both eax, ecx or edx: no REX).
    pub fn zero_extend_byte(&mut self, dst: u8, src: u8) {
        self.bytes(&[0x0F, 0xB6, 0xC0 | dst << 3 | src]);
    }

    /// mov dst64, value (dst one of eax, ecx, edx).
    pub fn mov_imm64(&mut self, dst: u8, value: u64) {
        self.bytes(&[0x48, 0xB8 + dst]);
        self.bytes(&value.to_le_bytes());
    }

    /// mov eax, [rdx + rcx*4]: a word of the table at rdx, indexed by rcx.
    pub fn load_eax_rdx_rcx4(&mut self) {
        self.bytes(&[0x8B, 0x04, 0x8A]);
    }

    /// dst = 1 if `cond` else 0 (after a cmp).
    pub fn set(&mut self, cond: Cond, dst: u8) {
        self.bytes(&[0x0F, 0x90 | cond as u8, 0xC0 | dst, 0x0F, 0xB6, 0xC0 | dst << 3 | dst]);
    }

    pub fn test_imm(&mut self, dst: u8, value: u32) {
        self.bytes(&[0xF7, 0xC0 | dst]);
        self.imm32(value);
    }

    /// imul dst, src (32-bit, the low half).
    pub fn imul(&mut self, dst: u8, src: u8) {
        self.bytes(&[0x0F, 0xAF, 0xC0 | dst << 3 | src]);
    }

    /// movsxd dst64, src32.
    pub fn sign_extend64(&mut self, dst: u8, src: u8) {
        self.bytes(&[0x48, 0x63, 0xC0 | dst << 3 | src]);
    }

    /// imul dst64, src64.
    pub fn imul64(&mut self, dst: u8, src: u8) {
        self.bytes(&[0x48, 0x0F, 0xAF, 0xC0 | dst << 3 | src]);
    }

    /// shr dst64, count.
    pub fn shr64(&mut self, dst: u8, count: u8) {
        self.bytes(&[0x48, 0xC1, 0xE8 | dst, count]);
    }

    pub fn jump_if(&mut self, cond: Cond, to: Label) {
        self.bytes(&[0x0F, 0x80 | cond as u8]);
        self.rel32(to);
    }

    pub fn jump(&mut self, to: Label) {
        self.bytes(&[0xE9]);
        self.rel32(to);
    }

    /// eax = [base + rdx], of `width`, extended to 32 bits.
    pub fn load(&mut self, width: Width, base: Base) {
        let (rex, sib) = match base {
            Base::Rsi => (None, 0x16),
            Base::R11 => (Some(0x41), 0x13),
        };
        if let Some(rex) = rex {
            self.bytes(&[rex]);
        }
        match width {
            Width::U8 => self.bytes(&[0x0F, 0xB6]),
            Width::I8 => self.bytes(&[0x0F, 0xBE]),
            Width::U16 => self.bytes(&[0x0F, 0xB7]),
            Width::I16 => self.bytes(&[0x0F, 0xBF]),
            Width::W32 => self.bytes(&[0x8B]),
        }
        self.bytes(&[0x04, sib]);
    }

    /// [rsi + rdx] = the low `size` bytes of eax.
    pub fn store_rsi(&mut self, size: u32) {
        match size {
            1 => self.bytes(&[0x88, 0x04, 0x16]),
            2 => self.bytes(&[0x66, 0x89, 0x04, 0x16]),
            _ => self.bytes(&[0x89, 0x04, 0x16]),
        }
    }

    /// cmp byte [r10 + rax], 0.
    pub fn cmp_r10_rax_byte_zero(&mut self) {
        self.bytes(&[0x41, 0x80, 0x3C, 0x02, 0x00]);
    }

    /// The entry: rbx and the keepers used saved, rbx = r9, r10 = rdx,
    /// r11 = rcx, r9 = 0 (r8 holds the budget), the kept guest registers
    /// loaded.
    pub fn prologue(&mut self) {
        self.bytes(&[0x53]);
        for (_, host) in self.kept.clone() {
            self.push_pop(host, false);
        }
        self.bytes(&[0x4C, 0x89, 0xCB, 0x49, 0x89, 0xD2, 0x49, 0x89, 0xCB, 0x45, 0x31, 0xC9]);
        for (n, host) in self.kept.clone() {
            self.guest_memory(0x8B, n, host);
        }
    }

    /// cmp [rbx + rdx*8 + disp], eax.
    pub fn cmp_rbx_slot_eax(&mut self, disp: u32) {
        self.bytes(&[0x39, 0x84, 0xD3]);
        self.imm32(disp);
    }

    /// mov eax, [rbx + rdx*8 + disp].
    pub fn load_rbx_slot(&mut self, disp: u32) {
        self.bytes(&[0x8B, 0x84, 0xD3]);
        self.imm32(disp);
    }

    /// r9 += n; r8 -= n.
    pub fn count(&mut self, n: u32) {
        self.bytes(&[0x49, 0x81, 0xC1]);
        self.imm32(n);
        self.bytes(&[0x49, 0x81, 0xE8]);
        self.imm32(n);
    }

    /// cmp r8, n.
    pub fn cmp_budget(&mut self, n: u32) {
        self.bytes(&[0x49, 0x81, 0xF8]);
        self.imm32(n);
    }

    /// Returns (r9 + `more`) << 32 | eax: the instructions run and the
    /// next pc.
    /// The kept guest registers are stored back first.
    pub fn exit(&mut self, more: u32) {
        for (n, host) in self.kept.clone() {
            self.guest_memory(0x89, n, host);
        }
        // lea rcx, [r9 + more]; shl rcx, 32; or rax, rcx. eax's last
        // write zeroed rax's upper half.
        self.bytes(&[0x49, 0x8D, 0x89]);
        self.imm32(more);
        self.bytes(&[0x48, 0xC1, 0xE1, 0x20, 0x48, 0x09, 0xC8]);
        for (_, host) in self.kept.clone().into_iter().rev() {
            self.push_pop(host, true);
        }
        self.bytes(&[0x5B, 0xC3]);
    }
}
