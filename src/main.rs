use clap::Parser;

fn main() {
    let cli = signpost::cli::Cli::parse();
    if let Err(e) = signpost::cli::run(cli) {
        if !e.is_closed_pipe() {
            eprintln!("error: {e}");
        }
        std::process::exit(e.code);
    }
}
