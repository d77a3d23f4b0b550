using System.Buffers;
using System.Globalization;
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

    public static bool IsValidDistributedId(string? value) => IsPrintableName(value, MaxDistributedIdBytes);

    public static bool IsValidRegistry(string? value) => IsPrintableName(value, MaxRegistryBytes);

    public static bool IsValidLabel(string? value) => IsPrintableName(value, MaxLabelBytes);

    /// <summary>
    /// Whether API ML can send the value to the mapper intact: it encodes the request body as ISO-8859-1 (HttpClient's
    /// <c>StringEntity</c> default) under a bare <c>application/json</c>, so anything beyond printable ASCII arrives as
    /// other bytes, or as '?', and can never match what is stored.
    /// </summary>
    public static bool IsPrintableAscii(string value) => value.All(c => c is >= ' ' and <= '~');

    /// <summary>
    /// Not blank, at most <paramref name="maxBytes"/> UTF-8 bytes, and only printing characters: no control or format
    /// characters (U+202E RIGHT-TO-LEFT OVERRIDE makes a name read differently from what it is), no line or paragraph
    /// separators (U+2028), no lone surrogates, private-use or unassigned code points, no space other than U+0020.
    /// </summary>
    private static bool IsPrintableName(string? value, int maxBytes)
        => !string.IsNullOrWhiteSpace(value) && IsPrinting(value) && Encoding.UTF8.GetByteCount(value) <= maxBytes;

    public static bool IsPrinting(string value)
    {
        var rest = value.AsSpan();
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(rest, out var rune, out var length) != OperationStatus.Done || !IsPrinting(rune))
            {
                return false;
            }

            rest = rest[length..];
        }

        return true;
    }

    /// <summary>The value with every non-printing character shown as '?', for a message or a log line.</summary>
    public static string Visible(string value)
    {
        var visible = new StringBuilder(value.Length);
        var rest = value.AsSpan();
        while (!rest.IsEmpty)
        {
            var status = Rune.DecodeFromUtf16(rest, out var rune, out var length);
            if (status == OperationStatus.Done && IsPrinting(rune))
            {
                visible.Append(rest[..length]);
            }
            else
            {
                visible.Append('?');
            }

            rest = rest[length..];
        }

        return visible.ToString();
    }

    private static bool IsPrinting(Rune rune) => Rune.GetUnicodeCategory(rune) switch
    {
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
            or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned => false,
        UnicodeCategory.SpaceSeparator => rune.Value == ' ',
        _ => true,
    };

    [GeneratedRegex("^[A-Z#$@][A-Z0-9#$@]{0,7}$", RegexOptions.CultureInvariant)]
    private static partial Regex UserIdPattern();
}
