//! `bao1x-image`: signs a payload into a UF2 file the Baochip-1x's boot1
//! accepts, or checks such a file as boot1 would. `./x image` runs it.

use bao1x_image::keys::{developer_key, read_signing_key, slot_of};
use bao1x_image::{build_uf2_with_flash, check_uf2_contents, KeySlot, SignOptions};
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
usage: bao1x-image sign PAYLOAD [--key KEY.pem] [--anti-rollback N] [--page-aligned] [--flash FILE] -o OUT.uf2
       bao1x-image verify IMAGE.uf2 [--key KEY.pem]

  sign     put PAYLOAD behind a signature block (Baremetal, for RRAM 0x6006_0000),
           sign it with Ed25519ph, write it as UF2 (family 0xA7D76373), check the result
  verify   check a UF2 file as the chip's boot1 does
  --key    an Ed25519 private key, PKCS#8 PEM or DER (default: the public developer
           key, which every dabao accepts; its first boot switches the chip to
           developer mode for good and erases the chip's secrets). verify checks
           with this key's public half instead of the developer key
  --anti-rollback N
           default 0; a higher value raises the chip's counter for good, and
           images below it are refused ever after
  --page-aligned
           put PAYLOAD at the first page of RRAM after the signature block
           (0x6006_1000), behind a jump over zeros: for a payload whose pages
           must be pages of RRAM (a boot image whose code is mapped in place)
  --flash FILE
           also write FILE to the external SPI flash from its start (blocks at
           0x7000_0000, which boot1 writes to the flash; the baosec board's 8 MiB
           NOR): a program store, whose pages the signed image has the digests of
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("bao1x-image: {why}");
            ExitCode::FAILURE
        }
    }
}

/// What a file writes to the external flash, for the line that reports it.
fn flashed(bytes: usize) -> String {
    match bytes {
        0 => String::new(),
        n => format!("; {n} bytes for the external flash at 0x7000_0000 (not signed)"),
    }
}

fn run(args: &[String]) -> Result<(), String> {
    let (mut input, mut output, mut key_path, mut anti_rollback, mut page_aligned) = (None, None, None, 0u32, false);
    let mut flash = None;
    let command = args.first().map(String::as_str);
    let mut rest = args.iter().skip(1);
    while let Some(arg) = rest.next() {
        let mut value = || rest.next().ok_or(format!("{arg} needs a value\n\n{USAGE}"));
        match arg.as_str() {
            "-o" | "--output" => output = Some(PathBuf::from(value()?)),
            "--key" => key_path = Some(PathBuf::from(value()?)),
            "--page-aligned" => page_aligned = true,
            "--flash" => flash = Some(PathBuf::from(value()?)),
            "--anti-rollback" => {
                let text = value()?;
                anti_rollback = text.parse().map_err(|_| format!("--anti-rollback takes a number, not `{text}`"))?;
            }
            other if other.starts_with('-') => return Err(format!("unknown option `{other}`\n\n{USAGE}")),
            other if input.is_none() => input = Some(PathBuf::from(other)),
            other => return Err(format!("unexpected argument `{other}`\n\n{USAGE}")),
        }
    }
    let key = match &key_path {
        Some(path) => read_signing_key(path)?,
        None => developer_key(),
    };
    let read = |path: &PathBuf| std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()));
    match (command, input, output) {
        (Some("sign"), Some(payload), Some(output)) => {
            let options = SignOptions { anti_rollback, ..SignOptions::default() };
            let mut payload = read(&payload)?;
            if page_aligned {
                payload = bao1x_image::page_aligned(&payload);
            }
            let flash = match &flash {
                Some(path) => read(path)?,
                None => Vec::new(),
            };
            let file = build_uf2_with_flash(&payload, &flash, &key, options)?;
            let (accepted, _) = check_uf2_contents(&file, &[slot_of(&key).1]).map_err(|e| format!("internal error: {e}"))?;
            std::fs::write(&output, &file).map_err(|e| format!("cannot write {}: {e}", output.display()))?;
            println!(
                "{}: {} bytes at 0x6006_0000 ({} signed){}, {} UF2 blocks, signed with key {}",
                output.display(),
                accepted.image_len,
                accepted.signed_len,
                flashed(flash.len()),
                file.len() / 512,
                accepted.key.tag_text()
            );
            Ok(())
        }
        (Some("verify"), Some(image), None) => {
            let keys: Vec<KeySlot> = match key_path {
                Some(_) => vec![slot_of(&key).1],
                None => vec![KeySlot::DEVELOPER],
            };
            let (accepted, flash) = check_uf2_contents(&read(&image)?, &keys).map_err(|e| format!("{}: {e}", image.display()))?;
            println!(
                "{}: boot1 accepts it: {} bytes, function code {}, anti-rollback {}, signed by key {}{}",
                image.display(),
                accepted.image_len,
                accepted.function_code,
                accepted.anti_rollback,
                accepted.key.tag_text(),
                flashed(flash)
            );
            Ok(())
        }
        (Some("-h" | "--help" | "help"), _, _) => {
            print!("{USAGE}");
            Ok(())
        }
        _ => Err(USAGE.to_string()),
    }
}
