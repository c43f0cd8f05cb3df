//! Checks that the arguments after the program and each `--env KEY=VALUE`
//! given to xous-run arrive in `std::env`: expects the arguments `a`, `b c`
//! and the variables `GREETING=hello world` and `EMPTY=`; exits 1 otherwise.

fn main() {
    let args: Vec<String> = std::env::args().collect();
    println!("args-env: args {args:?}");
    // Read before anything lists or changes the environment (std reads the
    // variables where they were given until then), and again after.
    let first = [std::env::var("GREETING"), std::env::var("EMPTY"), std::env::var("NOT_SET")];
    println!("args-env: first reads {first:?}");
    let mut ok = first[0].as_deref() == Ok("hello world") && first[1].as_deref() == Ok("") && first[2].is_err();
    let mut vars: Vec<(String, String)> = std::env::vars().collect();
    vars.sort();
    println!("args-env: vars {vars:?}");
    ok &= args.len() == 3 && args[0].ends_with("args-env") && args[1] == "a" && args[2] == "b c";
    ok &= std::env::var("GREETING").as_deref() == Ok("hello world");
    ok &= std::env::var("EMPTY").as_deref() == Ok("");
    ok &= std::env::var("NOT_SET").is_err();
    std::env::set_var("SET_HERE", "1");
    ok &= std::env::var("SET_HERE").as_deref() == Ok("1");
    std::env::remove_var("GREETING");
    ok &= std::env::var("GREETING").is_err() && std::env::var("EMPTY").as_deref() == Ok("");
    if !ok {
        eprintln!("args-env: unexpected arguments or environment");
        std::process::exit(1);
    }
    println!("args-env: all checks passed");
}
