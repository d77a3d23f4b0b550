using System.Security.Claims;
using IdP.Server.Data;
using IdP.Server.Hosting;
using IdP.Server.Protocol;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace IdP.Server.Accounts;

public static class AccountServiceCollectionExtensions
{
    /// <summary>ASP.NET Core Identity: users, password hashing, lockout, and the SSO cookie.</summary>
    public static IServiceCollection AddIdpAccounts(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AccountOptions>()
            .Bind(configuration.GetSection(AccountOptions.SectionName))
            .ValidateSettings()
            .ValidateOnStart();

        services.AddScoped<RecentAuthentication>();
        services.AddSingleton<PasswordCheckGate>();

        services.AddAuthentication(IdentityConstants.ApplicationScheme)
                .AddIdentityCookies();

        // After the password, before the second factor: who, and that the password was right. Nothing more.
        services.AddAuthentication().AddCookie(Mfa.MfaSignIn.PendingScheme, pending =>
        {
            pending.Cookie.Name = "idp.mfa";
            pending.Cookie.HttpOnly = true;
            pending.Cookie.SameSite = SameSiteMode.Lax;
            pending.SlidingExpiration = false;
        });
        services.AddOptions<CookieAuthenticationOptions>(Mfa.MfaSignIn.PendingScheme).Configure<IOptions<AccountOptions>>(
            (pending, accounts) => pending.ExpireTimeSpan = accounts.Value.SecondFactorTimeout);

        services.AddIdentityCore<IdpUser>(options =>
                {
                    // Schema version 3 includes the passkey table (WebAuthn credentials).
                    options.Stores.SchemaVersion = IdentitySchemaVersions.Version3;
                    options.Lockout.AllowedForNewUsers = true;
                    options.User.RequireUniqueEmail = false;
                })
                // Registers IdpSignInManager as SignInManager<IdpUser>: disabled accounts cannot sign in anywhere.
                .AddSignInManager<IdpSignInManager>()
                .AddClaimsPrincipalFactory<IdpUserClaimsPrincipalFactory>()
                .AddEntityFrameworkStores<IdpDbContext>()
                .AddUserStore<IdpUserStore>()
                .AddDefaultTokenProviders();

        services.AddOptions<IdentityOptions>().Configure<IOptions<AccountOptions>>((identity, accounts) =>
        {
            identity.Lockout.MaxFailedAccessAttempts = accounts.Value.LockoutThreshold;
            identity.Lockout.DefaultLockoutTimeSpan = accounts.Value.LockoutDuration;
        });

        // A disabled account, a reset second factor or a new password ends existing sessions within
        // Accounts:SessionCheckInterval, a minute by default (Identity re-checks the security stamp at this interval;
        // its own default is 30 minutes).
        services.AddOptions<SecurityStampValidatorOptions>().Configure<IOptions<AccountOptions>>((stamp, accounts) =>
        {
            stamp.ValidationInterval = accounts.Value.SessionCheckInterval;

            // Revalidation rebuilds the principal from the user record; how and when the user authenticated
            // (auth_time, amr, acr) lives only in the cookie, so it is carried over, never re-derived.
            stamp.OnRefreshingPrincipal = refresh =>
            {
                var kept = refresh.CurrentPrincipal?.Claims.Where(SignInSession.IsAuthenticationFact) ?? [];
                refresh.NewPrincipal?.Identities.First().AddClaims(kept.Select(claim => new Claim(claim.Type, claim.Value, claim.ValueType)));
                return Task.CompletedTask;
            };
        });

        services.ConfigureApplicationCookie(cookie =>
        {
            cookie.LoginPath = "/account/login";
            cookie.LogoutPath = "/account/logout";
            cookie.AccessDeniedPath = "/account/login";
            cookie.Cookie.Name = "idp.session";
            cookie.Cookie.HttpOnly = true;
            // Lax: the cookie must accompany the top-level redirect from a client to /connect/authorize.
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            cookie.SlidingExpiration = true;

            // Every way a session ends (the sign-out page, RP-initiated logout, prompt=login starting afresh) signs
            // this cookie out, so it is audited here, once, as the signed-in user's doing.
            cookie.Events.OnSigningOut = async signingOut =>
            {
                var principal = signingOut.HttpContext.User;
                if (principal.Identity is { IsAuthenticated: true })
                {
                    var users = signingOut.HttpContext.RequestServices.GetRequiredService<UserManager<IdpUser>>();
                    await signingOut.HttpContext.RequestServices.GetRequiredService<Mfa.AuditLog>().WriteForUserIdAsync(
                        Mfa.AuditTypes.SignOut, Mfa.AuditLog.Success, users.GetUserId(principal), users.GetUserName(principal));
                }
            };
        });

        services.AddOptions<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme)
            .Configure<IOptions<AccountOptions>, IOptions<IdpServerOptions>>((cookie, accounts, server) =>
            {
                cookie.ExpireTimeSpan = accounts.Value.SessionLifetime;
                cookie.Cookie.SecurePolicy = server.Value.RequireHttps ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
            });

        return services;
    }
}
