//! The Python beside each strategy on the page (`shared/python/*.py`) is real Python: every
//! file runs with the machine's `python3` and checks its own strategies' answers (exact sums,
//! every row stored once, every page received), so an excerpt can never show code that does
//! not work.

use std::path::PathBuf;
use std::process::Command;

fn python_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/python")
}

#[test]
fn every_python_file_runs_and_checks_its_answers() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(python_dir())
        .expect("shared/python exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "py"))
        .collect();
    files.sort();
    for lesson in interleave_shared::LessonId::ALL {
        let notes = python_dir().join(format!("notes_{}.py", lesson.name().replace('-', "_")));
        assert!(
            files.contains(&notes),
            "lesson {lesson} has no {} beside it",
            notes.display()
        );
    }
    for file in files {
        let text = std::fs::read_to_string(&file).expect("readable");
        assert!(
            text.contains("# @code "),
            "{} marks no excerpt for the page",
            file.display()
        );
        let out = Command::new("python3")
            .arg(&file)
            .output()
            .expect("python3 is installed (scripts/setup installs it)");
        assert!(
            out.status.success(),
            "{} failed ({}):\n{}\n{}",
            file.display(),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
