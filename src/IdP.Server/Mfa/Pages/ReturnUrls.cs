using Microsoft.AspNetCore.Mvc;

namespace IdP.Server.Mfa.Pages;

/// <summary>Where sign-in pages may send the user next: local URLs only (no open redirect, RFC 9700 §4.11).</summary>
internal static class ReturnUrls
{
    public static string Safe(IUrlHelper url, string? returnUrl)
        => !string.IsNullOrEmpty(returnUrl) && url.IsLocalUrl(returnUrl) ? returnUrl : "/";

    /// <summary>The same rule as MVC's IsLocalUrl, for endpoints outside MVC: a rooted path, not "//" or "/\\".</summary>
    public static string Safe(string? returnUrl)
        => returnUrl is { Length: > 0 } url && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'))
           && !url.Any(char.IsControl)
            ? url
            : "/";

    public static string With(string page, string? returnUrl)
        => page + "?returnUrl=" + Uri.EscapeDataString(returnUrl ?? "/");
}
