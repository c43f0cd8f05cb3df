//! crates.io crates with C or assembly parts, used unmodified: ring (under
//! rustls and rcgen) and psm (under stacker) are compiled by their build
//! scripts with the C compiler the toolchain's cargo offers for our target.
//! Each check asserts real behaviour; the last line says all passed. The
//! same program runs on the host, where those crates use the host's own C
//! compiler (`./x test` runs both).

mod stack;
mod tls;

pub fn check(what: &str, ok: bool) {
    if !ok {
        eprintln!("c-parts: FAILED: {what}");
        std::process::exit(1);
    }
    println!("c-parts: ok: {what}");
}

fn main() {
    tls::handshakes();
    stack::growth();
    println!("c-parts: all checks passed");
}
