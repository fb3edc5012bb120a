#[updown::test]
fn reads_users(url: &str) {
    let _ = url;
}

fn main() {}
