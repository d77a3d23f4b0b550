using System.Globalization;
using System.Text;

namespace IdP.Bench.Suite;

/// <summary>
/// The measured part of docs/benchmarks.md: tables, ratios and target verdicts. The hand-written part lives in
/// bench/benchmarks.template.md, where <c>{{RESULTS}}</c> marks the place of this one.
/// </summary>
public static class Report
{
    public const string Placeholder = "{{RESULTS}}";

    public static string Render(SuiteResult r)
    {
        var text = new StringBuilder();
        var m = r.Machine;
        text.AppendLine(F($"Measured on {m.Date:yyyy-MM-dd HH:mm} UTC: {m.Describe()}."));
        text.AppendLine(F($"Load average (1, 5, 15 min) before the run {m.LoadBefore}, after it {m.LoadAfter} (the suite itself keeps about 2 busy; much more means other work was running)."));
        text.AppendLine();
        text.AppendLine(F($"Each row: {r.WarmupSeconds} s of warm-up, then {r.DurationSeconds} s measured (the rows listed under the table: in two passes, their mean shown). Servers on core 0, the load generator on core 1;"));
        text.AppendLine(F($"wrk with {r.Connections} connections, the sign-in driver with {r.SignInConcurrency} virtual users. Latencies are per request"));
        text.AppendLine("(per whole sign-in for (c)). Errors: answers of 400 or more, socket errors and timeouts (failed sign-ins for (c)). Peak RSS:");
        text.AppendLine("the server's VmHWM over the measured run.");
        text.AppendLine();
        text.AppendLine("| | Scenario | Server | Database | Throughput | p50 | p99 | Errors | Peak RSS | Key | Client authentication | Tokens stored | SQLite sync | TLS |");
        text.AppendLine("|---|---|---|---|--:|--:|--:|--:|--:|---|---|---|---|---|");
        foreach (var row in Ordered(r.Rows))
        {
            text.AppendLine(F($"| ({row.Id}) | {row.Scenario} | {row.Server} | {row.Database} | ") +
                            F($"{Rate(row)} | {Ms(row.P50Ms)} | {Ms(row.P99Ms)} | {row.Errors:N0}{(row.ErrorDetail is null ? "" : " (" + row.ErrorDetail + ")")} | ") +
                            F($"{row.PeakRssMb:F0} MiB | {row.Key} | {row.ClientAuthentication} | {row.TokensStored} | {row.SqliteSync} | {row.Tls} |"));
        }

        text.AppendLine();
        text.AppendLine("### Floors, measured in the same run on core 0");
        text.AppendLine();
        text.AppendLine("| Operation | Per second on one core | Each |");
        text.AppendLine("|---|--:|--:|");
        text.AppendLine(F($"| One RSA-2048 RS256 signature (the floor of an RS256 token) | {r.Floors.SignaturesPerSecond:N0} | {r.Floors.SignatureMs:F3} ms |"));
        text.AppendLine(F($"| One password check, ASP.NET Core Identity's hasher: PBKDF2-HMAC-SHA512, 100,000 iterations (the floor of a login) | {r.Floors.PasswordChecksPerSecond:N1} | {r.Floors.PasswordCheckMs:F1} ms |"));
        text.AppendLine();
        if (r.FloorRuns.Count > 1)
        {
            text.AppendLine("Measured at the start of the run and again at its end, the faster of the two counting (a floor is a lower bound): " +
                            string.Join("; ", r.FloorRuns.Select(f => F($"{f.SignatureMs:F3} ms and {f.PasswordCheckMs:F1} ms")))+ ".");
            text.AppendLine();
        }

        if (r.Row("c") is { AdjacentFloors: { Count: > 0 } adjacent })
        {
            text.AppendLine("Measured again right before and right after each window of (c), with IdP idle on the same core: " +
                            string.Join("; ", adjacent.Select(f => F($"{f.SignatureMs:F3} ms and {f.PasswordCheckMs:F1} ms"))) +
                            ". The (c) ratio and its verdict compare each window with the faster password check around it (the measurements nearest in time), then average the windows.");
            text.AppendLine();
        }

        text.AppendLine("### Ratios, from this run");
        text.AppendLine();
        text.AppendLine("| Ratio | Value | What it says |");
        text.AppendLine("|---|--:|---|");
        foreach (var (name, value, meaning) in Ratios(r))
        {
            text.AppendLine(F($"| {name} | {value} | {meaning} |"));
        }

        text.AppendLine();
        text.AppendLine("### IdP process");
        text.AppendLine();
        text.AppendLine(F($"- Ready time (process start to the first 200 from `/health/ready`, migrated database): median {r.ReadyMedianMs:F0} ms over {r.ReadyMs.Count} starts ({string.Join(", ", r.ReadyMs.Select(x => x.ToString("F0", CultureInfo.InvariantCulture)))} ms)."));
        text.AppendLine(F($"- Resident memory: {r.IdleRssMb:F0} MiB idle after start, {r.IdleAfterLoadRssMb:F0} MiB idle after the load, peak {r.IdpPeakRssMb:F0} MiB across the suite."));
        if (r.Growth is { } g)
        {
            text.AppendLine(F($"- Growth database: {g.Users:N0} users (each with a TOTP authenticator), {g.Mappings:N0} mappings, {g.Clients:N0} clients; {g.SizeMb:F0} MiB; generated in {g.SeedSeconds:F0} s. Ready in {SuiteResult.Median(g.ReadyMs):F0} ms (median), idle RSS {g.IdleRssMb:F0} MiB."));
        }

        if (r.Warmups.Count > 0)
        {
            text.AppendLine("- Warm-up after each start, until the JIT settled: " + string.Join("; ", r.Warmups.Select(w =>
                F($"{w.Seconds:F0} s ({(w.Settled ? "settled" : "**not settled**")}: the tiered compiler used {w.LastRoundJitPercent:F1}% of the core in the last round)"))) + ".");
        }

        var repeated = Ordered(r.Rows).Where(row => row.RunsPerSecond is { Count: > 1 }).ToList();
        if (repeated.Count > 0)
        {
            text.AppendLine("- Rows measured in both passes (the second in the reverse order of the first), the table showing their mean: " + string.Join("; ", repeated.Select(row =>
                F($"({row.Id}) {row.Server} {row.Database} ") + string.Join(" and ", row.RunsPerSecond!.Select(x => x.ToString(x < 100 ? "N1" : "N0", CultureInfo.InvariantCulture))))) + ".");
        }

        var watched = Ordered(r.Rows).Where(row => row.JitCpuPercent is not null).ToList();
        if (watched.Count > 0)
        {
            text.AppendLine("- The tiered compiler's share of the server core during each measured run: " +
                            string.Join(", ", watched.Select(row => F($"({row.Id}) {row.Server} {row.Database} {row.JitCpuPercent:F1}%"))) + ".");
        }

        var busy = Ordered(r.Rows).Where(row => row.ServerCpuPercent is not null).ToList();
        if (busy.Count > 0)
        {
            // For (c), the core's use over the sign-in rate: CPU per sign-in (both averaged over the row's windows).
            text.AppendLine("- The server's use of its core during each measured run, all threads (under 100% means it waited rather than worked): " +
                            string.Join(", ", busy.Select(row => F($"({row.Id}) {row.Server} {row.Database} {row.ServerCpuPercent:F0}%") +
                                (row.Id == "c" && row.PerSecond > 0 ? F($" ({row.ServerCpuPercent!.Value / 100 / row.PerSecond * 1000:F1} ms of CPU per sign-in)") : ""))) + ".");
        }

        // Every scenario is a closed loop with more requests in flight than the core can serve: a server that used
        // well under all of its core was kept from running, by the host or by a starved load generator.
        var disturbed = busy.Where(row => row.ServerCpuPercent < 90).ToList();
        if (disturbed.Count > 0)
        {
            text.AppendLine("- **Disturbed rows.** Under a load that keeps requests waiting, these servers used under 90% of their core: " +
                            string.Join(", ", disturbed.Select(row => F($"({row.Id}) {row.Server} {row.Database} {row.ServerCpuPercent:F0}%"))) +
                            ". The host took the core away from them (this virtual machine reports no steal time), or starved the load generator; " +
                            "read these rows, and the ratios built on them, as measured through that disturbance, and compare with a quieter run.");
        }

        foreach (var note in r.Notes)
        {
            text.AppendLine("- Note: " + note);
        }

        text.AppendLine();
        text.AppendLine("### Targets (issue 6)");
        text.AppendLine();
        text.AppendLine("| Target | Measured | Verdict |");
        text.AppendLine("|---|--:|---|");
        foreach (var (target, measured, verdict) in Targets(r))
        {
            text.AppendLine(F($"| {target} | {measured} | {verdict} |"));
        }

        return text.ToString();
    }

    public static string Document(string template, SuiteResult result)
        => "<!-- Generated by bench/run.sh from bench/benchmarks.template.md: edit the template, not this file. -->\n" +
           template.Replace(Placeholder, Render(result).TrimEnd(), StringComparison.Ordinal);

    private static IEnumerable<ScenarioResult> Ordered(IEnumerable<ScenarioResult> rows)
        => rows.OrderBy(r => r.Database == "growth").ThenBy(r => r.Id, StringComparer.Ordinal)
            .ThenBy(r => r.Server switch { Servers.Idp => 0, Servers.Peer => 1, _ => 2 });

    private static IEnumerable<(string Name, string Value, string Meaning)> Ratios(SuiteResult r)
    {
        var a = r.Row("a");
        var aPeer = r.Row("a", Servers.Peer);
        var b = r.Row("b");
        var bPeer = r.Row("b", Servers.Peer);
        var c = r.Row("c");
        var f = r.Row("f");
        var h = r.Row("h", Servers.Empty);
        var live = r.Row("h");
        if (a is not null && aPeer is not null)
        {
            yield return ("(a) IdP / node-oidc-provider, keep-alive", Times(a.PerSecond / aPeer.PerSecond), "client-credentials grants per second, same core, same run");
        }

        if (b is not null && bPeer is not null)
        {
            yield return ("(b) IdP / node-oidc-provider, new connection per request", Times(b.PerSecond / bPeer.PerSecond), "the same with a TCP handshake per grant");
        }

        if (a is not null)
        {
            yield return ("(a) / signing floor", Percent(a.PerSecond / r.Floors.SignaturesPerSecond),
                F($"a grant costs {1000 / a.PerSecond:F2} ms of the core, of which {r.Floors.SignatureMs:F2} ms is the signature"));
        }

        if (aPeer is not null)
        {
            yield return ("node-oidc-provider (a) / signing floor", Percent(aPeer.PerSecond / r.Floors.SignaturesPerSecond), F($"{1000 / aPeer.PerSecond:F2} ms per grant"));
        }

        if (c is not null)
        {
            yield return ("(c) / password-check floor", Percent(c.ShareOfPasswordFloor(r.Floors)),
                c.AdjacentFloors is { Count: > 0 }
                    ? F($"each window of sign-ins against the password check measured right around it, averaged; a sign-in costs {1000 / c.PerSecond:F1} ms of the core on average")
                    : F($"a sign-in costs {1000 / c.PerSecond:F1} ms of the core, of which {r.Floors.PasswordCheckMs:F1} ms is the password check"));
            if (c.AdjacentFloors is { Count: > 0 })
            {
                yield return ("(c) / the run's password-check floor", Percent(c.PerSecond / r.Floors.PasswordChecksPerSecond),
                    F($"the same against the faster of the run's start and end ({r.Floors.PasswordCheckMs:F1} ms)"));
            }
        }

        if (f is not null && h is not null)
        {
            yield return ("(f) mapper / (h) empty endpoint", Percent(f.PerSecond / h.PerSecond), F($"{1000 / f.PerSecond:F3} ms per lookup against {1000 / h.PerSecond:F3} ms for doing nothing"));
        }

        if (live is not null && h is not null)
        {
            yield return ("IdP `GET /health/live` / (h) empty endpoint", Percent(live.PerSecond / h.PerSecond), "what IdP's middleware pipeline alone costs");
        }

        foreach (var id in (string[])["a", "c", "f"])
        {
            if (r.Row(id) is { } small && r.Row(id, database: "growth") is { } large)
            {
                yield return (F($"({id}) growth / small database"), Percent(large.PerSecond / small.PerSecond), "1,000,000 users, 100,000 mappings, 1,000 clients");
            }
        }
    }

    private static IEnumerable<(string Target, string Measured, string Verdict)> Targets(SuiteResult r)
    {
        var a = r.Row("a");
        var aPeer = r.Row("a", Servers.Peer);
        if (a is not null && aPeer is not null)
        {
            var ratio = a.PerSecond / aPeer.PerSecond;
            yield return ("(a) client credentials: IdP ≥ 1.5× node-oidc-provider", Times(ratio), AtLeast(ratio, 1.5, Times));
        }

        if (r.Row("c") is { } c)
        {
            var share = c.ShareOfPasswordFloor(r.Floors);
            yield return ("(c) sign-in with TOTP ≥ 90% of the password-check floor", Percent(share), AtLeast(share, 0.9, Percent));
        }

        if (r.Row("f") is { } f && r.Row("h", Servers.Empty) is { } h)
        {
            var share = f.PerSecond / h.PerSecond;
            yield return ("(f) mapper ≥ 60% of the empty endpoint (h)", Percent(share), AtLeast(share, 0.6, Percent));
            yield return ("(f) mapper p99 < 5 ms at that load", Ms(f.P99Ms), f.P99Ms < 5 ? "**met**" : F($"**missed** by {f.P99Ms - 5:F2} ms"));
        }

        yield return ("Idle RSS < 150 MB", Megabytes(r.IdleRssMb), UnderMegabytes(r.IdleRssMb, 150));
        yield return ("Peak RSS < 300 MB across the suite", Megabytes(r.IdpPeakRssMb), UnderMegabytes(r.IdpPeakRssMb, 300));
        yield return ("Ready < 2 s on a migrated database", F($"{r.ReadyMedianMs:F0} ms"), r.ReadyMedianMs < 2000 ? "**met**" : F($"**missed** by {r.ReadyMedianMs - 2000:F0} ms"));

        foreach (var id in (string[])["a", "c", "f"])
        {
            var target = F($"Growth: ({id}) within 10% of the small database");
            if (r.Row(id) is { } small && r.Row(id, database: "growth") is { } large)
            {
                var share = large.PerSecond / small.PerSecond;
                yield return (target, Percent(share), AtLeast(share, 0.9, Percent));
            }
            else
            {
                yield return (target, "—", "not run in this run (`bench/run.sh --growth`)");
            }
        }
    }

    /// <summary>The issue's memory targets are in MB; /proc counts KiB. Read strictly: 1 MB = 10^6 bytes.</summary>
    private static string Megabytes(double mebibytes) => F($"{mebibytes * 1.048576:F0} MB ({mebibytes:F0} MiB)");

    private static string UnderMegabytes(double mebibytes, double limitMb)
    {
        var mb = mebibytes * 1.048576;
        return mb < limitMb ? "**met**" : F($"**missed** by {mb - limitMb:F0} MB");
    }

    private static string AtLeast(double value, double target, Func<double, string> format)
        => value >= target ? "**met**" : F($"**missed**: {format(value)} against {format(target)}, {(1 - value / target) * 100:F1}% short");

    private static string Rate(ScenarioResult row)
        => row.Unit == "req/s" ? F($"{row.PerSecond:N0} req/s") : F($"{row.PerSecond:N1} {row.Unit}");

    private static string Ms(double ms) => double.IsNaN(ms) ? "—" : ms < 10 ? F($"{ms:F2} ms") : F($"{ms:F0} ms");

    private static string Times(double ratio) => F($"{ratio:F2}×");

    private static string Percent(double share) => F($"{share * 100:F1}%");

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
