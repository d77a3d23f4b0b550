using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using System.Threading.RateLimiting;
using IdP.Server.Mfa;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;

namespace IdP.Server.Hosting.RateLimits;

/// <summary>
/// Works out, before the limiter runs, which group a request belongs to and which account it is about.
/// <para>
/// The limiter is a global, path-based one rather than endpoint metadata because OpenIddict answers /connect/token
/// inside <c>UseAuthentication</c>, before any endpoint runs; the limiter therefore sits before authentication.
/// The account has to be found here, asynchronously (reading the form, the pending-sign-in cookie), because the
/// limiter's partitioner is synchronous.
/// </para>
/// </summary>
public static class RateLimitPartitions
{
    private static readonly object GroupKey = new();
    private static readonly object AccountKey = new();
    private static readonly object VerifiedCallerKey = new();

    public static RateLimitGroup GroupOf(HttpContext context) => context.Items[GroupKey] as RateLimitGroup? ?? RateLimitGroup.None;

    /// <summary>Who the request is about, or null when unknown (then only the IP partition counts).</summary>
    public static string? AccountOf(HttpContext context) => context.Items[AccountKey] as string;

    public static string IpOf(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    /// <summary>
    /// Marks the caller as proven by a credential checked before the limiter (the mapper's gateway, by its signed
    /// cookie): it then counts in its account's partition only, never in its IP's.
    /// </summary>
    public static void SetVerifiedCaller(HttpContext context, string account) => context.Items[VerifiedCallerKey] = account;

    private static string? VerifiedCallerOf(HttpContext context) => context.Items[VerifiedCallerKey] as string;

    public static async Task ResolveAsync(HttpContext context)
    {
        var group = RateLimitGroups.Of(context.Request);
        context.Items[GroupKey] = group;
        context.Items[AccountKey] = group switch
        {
            RateLimitGroup.Login => Normalise(await FormFieldAsync(context, "Input.UserName")),
            RateLimitGroup.SecondFactor => await SignInUserAsync(context),
            RateLimitGroup.DeviceVerification => await SessionUserAsync(context),
            RateLimitGroup.Token => await FormFieldAsync(context, "client_id") ?? BasicUserName(context.Request),
            RateLimitGroup.Mapper => VerifiedCallerOf(context),
            _ => null,
        };
    }

    /// <summary>The chained limiter: a request passes only if both its IP partition and its account partition allow it.</summary>
    public static PartitionedRateLimiter<HttpContext> Create(RateLimitsOptions options)
    {
        var byIp = PartitionedRateLimiter.Create<HttpContext, string>(context =>
        {
            var group = GroupOf(context);
            return group == RateLimitGroup.None || options.Rule(group).PermitLimitPerIp == 0 || VerifiedCallerOf(context) is not null
                ? RateLimitPartition.GetNoLimiter("")
                : Window($"{group}|ip|{IpOf(context)}", options.Rule(group).PermitLimitPerIp, options.Rule(group).Window);
        });
        var byAccount = PartitionedRateLimiter.Create<HttpContext, string>(context =>
        {
            var group = GroupOf(context);
            return group == RateLimitGroup.None || options.Rule(group).PermitLimitPerAccount == 0 || AccountOf(context) is not { } account
                ? RateLimitPartition.GetNoLimiter("")
                : Window($"{group}|account|{account}", options.Rule(group).PermitLimitPerAccount, options.Rule(group).Window);
        });
        return PartitionedRateLimiter.CreateChained(byIp, byAccount);
    }

    private static RateLimitPartition<string> Window(string key, int permits, TimeSpan window)
        => RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = window,
            QueueLimit = 0, // refuse at once: queueing would only hold a connection open for an attacker
            AutoReplenishment = true,
        });

    private static async Task<string?> FormFieldAsync(HttpContext context, string name)
    {
        if (!context.Request.HasFormContentType)
        {
            return null;
        }

        // Buffered by ASP.NET Core: model binding, antiforgery and OpenIddict read the same parsed form afterwards.
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        return form[name].ToString() is { Length: > 0 } value ? value : null;
    }

    // User names are case-insensitive in Identity: "Alice" and "alice " must share one budget.
    private static string? Normalise(string? userName) => userName?.Trim().ToUpperInvariant() is { Length: > 0 } name ? name : null;

    private static async Task<string?> SignInUserAsync(HttpContext context)
    {
        var pending = await context.AuthenticateAsync(MfaSignIn.PendingScheme);
        return pending.Succeeded ? pending.Principal.FindFirstValue(ClaimTypes.Name) : await SessionUserAsync(context);
    }

    private static async Task<string?> SessionUserAsync(HttpContext context)
    {
        var session = await context.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        return session.Succeeded ? session.Principal.FindFirstValue(ClaimTypes.NameIdentifier) : null;
    }

    /// <summary>client_secret_basic: the user name part, form-URL-decoded (RFC 6749 §2.3.1).</summary>
    private static string? BasicUserName(HttpRequest request)
    {
        if (!AuthenticationHeaderValue.TryParse(request.Headers.Authorization, out var header)
            || !string.Equals(header.Scheme, "Basic", StringComparison.OrdinalIgnoreCase) || header.Parameter is null)
        {
            return null;
        }

        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            return colon > 0 ? Uri.UnescapeDataString(decoded[..colon].Replace('+', ' ')) : null;
        }
        catch (FormatException)
        {
            return null; // OpenIddict rejects the malformed header itself; the IP partition still counts it
        }
    }

    /// <summary>Seconds to wait, rounded up, at least 1 (Retry-After is whole seconds, RFC 9110 §10.2.3).</summary>
    public static string RetryAfterSeconds(TimeSpan wait) => Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
}
