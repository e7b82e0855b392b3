//! Shows how the matcher reads a message: `cargo run --example explain -- "does djnago support async?"`

fn main() {
    let engine = signpost::Engine::load(None).expect("built-in knowledge loads");
    let q = std::env::args().skip(1).collect::<Vec<_>>().join(" ");
    let r = engine.matcher().normalizer().read(&q);
    println!("words: {:?}\nstems: {:?}", r.words, r.stems);
    let m = engine.matcher().match_message(&q);
    println!("frameworks {:?} foreign {}", m.frameworks, m.foreign_only);
    for (label, p) in m.ranked.iter().take(6) {
        println!("  {p:.3} {}", label.name(engine.kb()));
    }
    let a = engine.ask(&q).unwrap();
    println!("=> {} ({})", a.label(), a.confidence);
}
