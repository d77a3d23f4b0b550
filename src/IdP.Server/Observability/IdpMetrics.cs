using System.Diagnostics.Metrics;

namespace IdP.Server.Observability;

/// <summary>
/// IdP's own instruments, on one meter named <see cref="MeterName"/>. Tag values come from small fixed sets (never a
/// user name, client id or address), so every counter has a handful of series however many users there are.
/// </summary>
/// <remarks>
/// Recording costs next to nothing while no listener is attached, which is the case while <c>Metrics:Enabled</c> is
/// false. Prometheus names: a dot becomes an underscore and counters end in <c>_total</c> (<c>idp_logins_total</c>).
/// </remarks>
public sealed class IdpMetrics
{
    public const string MeterName = "IdP";

    private readonly Counter<long> _logins;
    private readonly Counter<long> _secondFactorAttempts;
    private readonly Counter<long> _lockouts;
    private readonly Counter<long> _tokensIssued;
    private readonly Counter<long> _mapperLookups;

    public IdpMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _logins = meter.CreateCounter<long>("idp.logins", "{attempt}",
            "Password sign-in attempts (the first step), by outcome: success, failure, unknown_user, locked_out, disabled, not_allowed.");
        _secondFactorAttempts = meter.CreateCounter<long>("idp.second_factor.attempts", "{attempt}",
            "Second-factor attempts, by factor (totp, recovery_code, passkey) and outcome (success, failure, locked_out).");
        _lockouts = meter.CreateCounter<long>("idp.lockouts", "{lockout}",
            "Lockouts that began, by factor: password (Accounts:LockoutThreshold) or totp (Mfa:LockoutThreshold).");
        _tokensIssued = meter.CreateCounter<long>("idp.tokens.issued", "{response}",
            "Successful token endpoint responses, by grant_type.");
        _mapperLookups = meter.CreateCounter<long>("idp.mapper.lookups", "{lookup}",
            "Identity mapper requests, by outcome: mapped, not_mapped, unauthorized, bad_request.");
    }

    /// <summary>Outcomes of the password step (<see cref="Login"/>).</summary>
    public static class LoginOutcomes
    {
        public const string Success = "success";
        public const string Failure = "failure";
        public const string UnknownUser = "unknown_user";
        public const string LockedOut = "locked_out";
        public const string Disabled = "disabled";
        public const string NotAllowed = "not_allowed";
    }

    /// <summary>Outcomes of a second-factor attempt (<see cref="SecondFactorAttempt"/>).</summary>
    public static class SecondFactorOutcomes
    {
        public const string Success = "success";
        public const string Failure = "failure";
        public const string LockedOut = "locked_out";
    }

    /// <summary>Factors, as tag values (underscores, as Prometheus label values conventionally have).</summary>
    public static class Factors
    {
        public const string Password = "password";
        public const string Totp = "totp";
        public const string RecoveryCode = "recovery_code";
        public const string Passkey = "passkey";
    }

    /// <summary>Outcomes of an identity mapper request (<see cref="MapperLookup"/>).</summary>
    public static class MapperOutcomes
    {
        public const string Mapped = "mapped";
        public const string NotMapped = "not_mapped";
        public const string Unauthorized = "unauthorized";
        public const string BadRequest = "bad_request";
    }

    public void Login(string outcome) => _logins.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void SecondFactorAttempt(string factor, string outcome)
        => _secondFactorAttempts.Add(1, new KeyValuePair<string, object?>("factor", factor), new KeyValuePair<string, object?>("outcome", outcome));

    public void Lockout(string factor) => _lockouts.Add(1, new KeyValuePair<string, object?>("factor", factor));

    public void TokenIssued(string grantType) => _tokensIssued.Add(1, new KeyValuePair<string, object?>("grant_type", grantType));

    public void MapperLookup(string outcome) => _mapperLookups.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
}
