using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace IdP.Server.Hosting;

/// <summary>
/// The operator's words for a settings failure. .NET wraps a data-annotation message in its own sentence that names
/// the options class and property ("DataAnnotation validation failed for 'MfaOptions' members: …"); IdP's annotations
/// name the setting as it is written in configuration (<c>Mfa:TotpPeriodSeconds</c>), so that sentence is unwrapped.
/// </summary>
internal static partial class SettingFailures
{
    public static IEnumerable<string> Describe(OptionsValidationException exception)
        => exception.Failures.Select(Unwrap);

    private static string Unwrap(string failure)
        => DataAnnotationFailure().Match(failure) is { Success: true } match && SettingName().IsMatch(match.Groups["error"].Value)
            ? match.Groups["error"].Value
            : failure;

    [GeneratedRegex(@"^DataAnnotation validation failed for '[^']*' members: '[^']*' with the error: '(?<error>.*)'\.$", RegexOptions.Singleline)]
    private static partial Regex DataAnnotationFailure();

    /// <summary>Only messages that begin with a setting's path (<c>Section:Name</c>) are IdP's own.</summary>
    [GeneratedRegex(@"^[A-Z][A-Za-z]*(:[A-Z][A-Za-z]*)+(?![A-Za-z])")]
    private static partial Regex SettingName();
}
