using System.Text;
using System.Text.RegularExpressions;

namespace IdP.Server.Mainframe;

/// <summary>What RACF, ACF2 and Top Secret accept as user IDs, and the size limits API ML applies to mapping input.</summary>
public static partial class MainframeNames
{
    /// <summary>API ML limits the distributed identity to 246 bytes (RACMAP USERDIDFILTER).</summary>
    public const int MaxDistributedIdBytes = 246;

    /// <summary>API ML limits the registry name to 255 bytes.</summary>
    public const int MaxRegistryBytes = 255;

    /// <summary>RACF's WITHLABEL and Top Secret's IDLABEL hold at most 32 bytes.</summary>
    public const int MaxLabelBytes = 32;

    /// <summary>The upper-cased user ID, or null when it is not 1-8 of A-Z 0-9 # $ @ starting with a non-digit.</summary>
    public static string? NormalizeUserId(string? value)
    {
        var upper = value?.Trim().ToUpperInvariant();
        return upper is not null && UserIdPattern().IsMatch(upper) ? upper : null;
    }

    public static bool IsValidDistributedId(string? value)
        => !string.IsNullOrWhiteSpace(value) && Encoding.UTF8.GetByteCount(value) <= MaxDistributedIdBytes && !value.Any(char.IsControl);

    public static bool IsValidRegistry(string? value)
        => !string.IsNullOrWhiteSpace(value) && Encoding.UTF8.GetByteCount(value) <= MaxRegistryBytes && !value.Any(char.IsControl);

    public static bool IsValidLabel(string? value)
        => !string.IsNullOrWhiteSpace(value) && Encoding.UTF8.GetByteCount(value) <= MaxLabelBytes && !value.Any(char.IsControl);

    [GeneratedRegex("^[A-Z#$@][A-Z0-9#$@]{0,7}$", RegexOptions.CultureInvariant)]
    private static partial Regex UserIdPattern();
}
