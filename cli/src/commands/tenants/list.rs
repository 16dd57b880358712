//! `tenants list`.

use clap::{Args, ValueEnum};
use gatehouse_application::list_tenants;
use gatehouse_application::ports::{Page, SortDirection, TenantQuery, TenantSort};

use crate::context::Ctx;
use crate::output::{self, Table, when};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Sort {
    Name,
    Slug,
    Created,
    Plan,
    Status,
}

#[derive(Debug, Args)]
pub struct Opts {
    /// Only tenants on this plan (free, basic, premium, enterprise).
    #[arg(long)]
    plan: Option<String>,
    /// Only tenants in this status (pending, active, suspended, cancelled).
    #[arg(long)]
    status: Option<String>,
    /// Case-insensitive text found in the name, slug or any domain.
    #[arg(long)]
    search: Option<String>,
    /// Order of the list.
    #[arg(long, value_enum, default_value_t = Sort::Name)]
    sort: Sort,
    /// Reverse the order (newest first with --sort created).
    #[arg(long)]
    desc: bool,
    /// How many tenants to show (1–500).
    #[arg(long, default_value_t = 50)]
    limit: u32,
    /// How many to skip, for the next page.
    #[arg(long, default_value_t = 0)]
    offset: u64,
}

pub async fn run(opts: Opts, ctx: &Ctx) -> anyhow::Result<()> {
    let query = TenantQuery {
        plan: opts.plan.as_deref().map(str::parse).transpose()?,
        status: opts.status.as_deref().map(str::parse).transpose()?,
        search: opts.search,
        only: None,
        sort: match opts.sort {
            Sort::Name => TenantSort::Name,
            Sort::Slug => TenantSort::Slug,
            Sort::Created => TenantSort::Created,
            Sort::Plan => TenantSort::Plan,
            Sort::Status => TenantSort::Status,
        },
        direction: if opts.desc { SortDirection::Desc } else { SortDirection::Asc },
        page: Page { limit: opts.limit, offset: opts.offset },
    };
    let page = list_tenants::run(&ctx.ports, &ctx.actor, query).await?;
    if ctx.json() {
        return output::json(&page);
    }
    if page.items.is_empty() {
        println!("no tenants match ({} in all)", page.total);
        return Ok(());
    }
    let mut t = Table::new(&["SLUG", "NAME", "STATUS", "PLAN", "PRIMARY DOMAIN", "DOMAINS", "CREATED", "ID"]);
    for s in &page.items {
        t.row(vec![
            s.slug.clone(),
            s.name.clone(),
            s.status.to_string(),
            s.plan.to_string(),
            s.primary_domain.clone().unwrap_or_default(),
            s.domain_count.to_string(),
            when(s.created_at),
            s.id.to_string(),
        ]);
    }
    print!("{t}");
    let shown = page.items.len() as u64;
    let last = opts.offset + shown;
    print!("{}–{last} of {}", opts.offset + 1, page.total);
    if last < page.total {
        print!(" (next page: --offset {last})");
    }
    println!();
    Ok(())
}
