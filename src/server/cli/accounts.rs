//! `enrich user add`: the first admin (and any other user) from the command line.
use crate::{
    model::access::Role,
    server::{
        audit::{self, Record},
        auth::users,
        config::Config,
        db::users::Users,
    },
};
use clap::Subcommand;
use std::io::{BufRead, IsTerminal};

/// `enrich user …`.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user. The password is prompted for (twice), or read as one line from stdin when
    /// stdin is not a terminal (`echo "$PW" | enrich user add …`).
    Add {
        /// Sign-in email.
        #[arg(long)]
        email: String,
        /// `admin`, `marketer`, `analyst` or `support`.
        #[arg(long, value_parser = parse_role)]
        role: Role,
    },
}

fn parse_role(text: &str) -> Result<Role, String> {
    Role::parse(text).ok_or_else(|| "must be admin, marketer, analyst or support".to_owned())
}

/// Runs a `user` subcommand.
pub async fn run(config: &Config, command: UserCommand) -> Result<u8, String> {
    let UserCommand::Add { email, role } = command;
    let password = read_password()?;
    let state = super::state_for(config).await?;
    let user = users::add(&Users::new(&state.db), &email, role, &password)
        .await
        .map_err(|e| e.to_string())?;
    let record =
        Record::new("user.add", user.id.to_hex()).detail(format!("role {}", role.as_str()));
    audit::write_system(&state.db, record)
        .await
        .map_err(|e| e.to_string())?;
    println!("added {} as {}", user.email, role.as_str());
    Ok(0)
}

fn read_password() -> Result<String, String> {
    if !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| format!("cannot read the password from stdin: {e}"))?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_owned());
    }
    let first = rpassword::prompt_password("Password: ").map_err(|e| e.to_string())?;
    let again = rpassword::prompt_password("Again: ").map_err(|e| e.to_string())?;
    if first != again {
        return Err("the passwords differ".to_owned());
    }
    Ok(first)
}
