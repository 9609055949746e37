//! Shell completions and man pages, generated from the clap definition of the command line so
//! that they cannot drift from it.

use super::Cli;
use clap::CommandFactory;
use clap_complete::Shell;

/// The completion script of `shell` for hwcheck.
pub fn completions(shell: Shell) -> String {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "hwcheck", &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// The man pages, as (file name, roff text): `hwcheck.1` first, then one `hwcheck-<command>.1`
/// per subcommand.
pub fn man_pages() -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut commands = vec![cmd.clone()];
    commands.extend(cmd.get_subcommands().filter(|s| !s.is_hide_set()).cloned());
    commands
        .into_iter()
        .map(|c| {
            let man = clap_mangen::Man::new(c);
            let mut text = Vec::new();
            man.render(&mut text)
                .map_err(|e| format!("cannot render man page: {e}"))?;
            Ok((man.get_filename(), text))
        })
        .collect()
}
