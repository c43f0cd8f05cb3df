//! Ends with `std::process::exit(7)` from a second thread's result: xous-run
//! must exit with 7.

fn main() {
    let code = std::thread::spawn(|| 7).join().unwrap();
    println!("exit: leaving with {code}");
    std::process::exit(code);
}
