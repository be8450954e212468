//! `sms-bridge send` and `sms-bridge history`: the terminal side of sending. They check the
//! draft with the same rules as the pane, call the same send and history code, and print
//! each recipient's result in plain words or the documented JSON.

use anyhow::Context;
use clap::Args;

use crate::bridge::Bridge;
use crate::cli::UsageError;
use crate::compose::{self, Draft};
use crate::send::{Report, SendError};

#[derive(Args, Debug, Clone)]
pub struct SendArgs {
    /// A recipient; repeat it, or separate numbers with commas.
    #[arg(long = "to", value_name = "NUMBER", required = true)]
    pub to: Vec<String>,
    /// The message text.
    #[arg(long)]
    pub text: String,
    /// The sender ID (default: `sms.sender_id`).
    #[arg(long = "from", value_name = "SENDER")]
    pub from: Option<String>,
    /// Send later: `2026-12-24 09:00` (local time) or RFC 3339 with an offset.
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// Only ask LOX24 for parts and price; nothing is sent or charged.
    #[arg(long)]
    pub dry_run: bool,
    /// Allow more recipients than `sms.max_recipients` for this send.
    #[arg(long, value_name = "N")]
    pub max_recipients: Option<usize>,
    /// Read national numbers in this country instead of `sms.default_country`.
    #[arg(long, value_name = "CC")]
    pub country: Option<String>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `sms-bridge send`.
pub fn run_send(bridge: Bridge, args: SendArgs) -> anyhow::Result<()> {
    // Read before any thread starts: the local offset is only reliable then.
    let local = time::UtcOffset::current_local_offset().unwrap_or(time::UtcOffset::UTC);
    let runtime = runtime()?;
    let draft = Draft {
        text: args.text,
        to: args.to,
        sender_id: args.from,
        at: args.at,
        max_recipients: args.max_recipients,
        country: args.country,
        idempotency_key: Some(uuid::Uuid::new_v4().to_string()),
    };
    let now = time::OffsetDateTime::now_utc();
    let checked = compose::check(&bridge.config, draft, now, local)
        .map_err(|e| UsageError(format!("{}: {}", e.field, e.message)))?;

    if args.dry_run {
        return runtime.block_on(dry_run(&bridge, &checked.compose, args.json));
    }
    let report = runtime
        .block_on(crate::send::send(&bridge, checked.compose))
        .map_err(send_error)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_report(&report, local);
    }
    let all_ok = report.results.iter().all(|r| {
        matches!(
            r.state,
            crate::journal::DeliveryState::Sent | crate::journal::DeliveryState::Scheduled
        )
    });
    if !all_ok {
        anyhow::bail!("not every recipient was sent to; see the results above");
    }
    Ok(())
}

async fn dry_run(
    bridge: &Bridge,
    compose: &crate::send::Compose,
    json: bool,
) -> anyhow::Result<()> {
    let quote = crate::send::quote(bridge, compose).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&quote)?);
        return Ok(());
    }
    let currency = quote.currency.as_deref().unwrap_or("");
    for line in &quote.results {
        println!(
            "{}: {} part(s), {:.3} {currency}",
            line.phone, line.parts, line.price
        );
    }
    println!(
        "total {:.3} {currency} for {} recipient(s); nothing was sent",
        quote.total,
        quote.results.len()
    );
    Ok(())
}

/// How many of the newest messages `history --refresh` asks LOX24 about.
const REFRESH_NEWEST: usize = 10;

/// `sms-bridge history [--refresh]`.
pub fn run_history(bridge: Bridge, json: bool, refresh: bool) -> anyhow::Result<()> {
    let local = time::UtcOffset::current_local_offset().unwrap_or(time::UtcOffset::UTC);
    let runtime = runtime()?;
    let reports = runtime.block_on(async {
        if let Err(error) = crate::history::reconcile_all(&bridge).await {
            eprintln!("sms-bridge: warning: open deliveries not reconciled: {error}");
        }
        if refresh {
            let newest = crate::history::history(&bridge).await?;
            for report in newest.iter().take(REFRESH_NEWEST) {
                if let Err(error) = crate::history::refresh(&bridge, &report.message_id).await {
                    eprintln!(
                        "sms-bridge: warning: message {}: {error}",
                        report.message_id
                    );
                }
            }
        }
        crate::history::history(&bridge).await
    });
    let reports = reports.map_err(send_error)?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "messages": reports }))?
        );
        return Ok(());
    }
    if reports.is_empty() {
        println!("no messages yet");
    }
    for report in &reports {
        print_report(report, local);
        println!();
    }
    Ok(())
}

fn print_report(report: &Report, local: time::UtcOffset) {
    let at = time::OffsetDateTime::from_unix_timestamp(report.created_at)
        .map(|t| compose::shown(t, local))
        .unwrap_or_default();
    println!(
        "message {} from {} at {at}",
        report.message_id, report.sender_id
    );
    let scheduled = report
        .delivery_at
        .map(time::OffsetDateTime::from_unix_timestamp);
    if let Some(Ok(when)) = scheduled {
        println!("scheduled for {}", compose::shown(when, local));
    }
    for result in &report.results {
        let phone = result.phone.as_deref().unwrap_or("-");
        let mut line = format!("  {} ({phone}): {}", result.input, result.state.as_str());
        if let Some(uuid) = &result.uuid {
            line.push_str(&format!(", LOX24 id {uuid}"));
        }
        if let (Some(parts), Some(price)) = (result.parts, result.price) {
            line.push_str(&format!(", {parts} part(s), {price:.3}"));
        }
        if let Some(delivery) = &result.delivery {
            line.push_str(&format!(", {}", delivery.words));
        }
        if let Some(error) = &result.error {
            line.push_str(&format!(": {}", error.message));
        }
        println!("{line}");
    }
}

fn send_error(error: SendError) -> anyhow::Error {
    anyhow::anyhow!("{error}")
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("failed to start the async runtime")
}
