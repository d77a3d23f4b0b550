using System.Globalization;
using System.Text;
using IdP.Server.Administration;

namespace IdP.Server.Mainframe;

public enum EsmFormat
{
    Racf,
    Acf2,
    Tss,
}

/// <summary>
/// Writes the commands that define the same mappings in the external security manager, for shops that keep the
/// ESM as the source of truth. Syntax, escaping and sources: docs/esm-export.md.
/// </summary>
public static class EsmExport
{
    public static string Render(EsmFormat format, IReadOnlyList<IdentityMapping> mappings)
    {
        ArgumentNullException.ThrowIfNull(mappings);
        var problems = mappings.SelectMany(Problems).ToList();
        if (problems.Count > 0)
        {
            throw new AdministrationException($"Cannot export {problems.Count} value(s) that TSO commands cannot carry: "
                + string.Join("; ", problems) + ". Define those mappings with the ESM's own tools, or change them.");
        }

        var writer = new TsoCommandWriter();
        switch (format)
        {
            case EsmFormat.Racf:
                foreach (var m in mappings)
                {
                    writer.Command([
                        "RACMAP", $"ID({m.MainframeUserId})", "MAP",
                        $"USERDIDFILTER(NAME({Quoted(m.DistributedId)}))", $"REGISTRY(NAME({Quoted(m.Registry)}))",
                        .. m.Label is null ? Array.Empty<string>() : [$"WITHLABEL({Quoted(m.Label)})"]]);
                }

                // The IDIDMAP class is RACLISTed: new filters take effect after the in-storage profiles are refreshed.
                writer.Command("SETROPTS", "RACLIST(IDIDMAP)", "REFRESH");
                break;

            case EsmFormat.Acf2:
                writer.Command("ACF");
                writer.Command("SET", "PROFILE(USER)", "DIVISION(IDMAP)");
                foreach (var m in mappings)
                {
                    writer.Command([
                        "INSERT", $"{m.MainframeUserId}.{RecordId(m)}",
                        $"IDMAPDN({Acf2Value(m.DistributedId)})", $"IDMAPRN({Acf2Value(m.Registry)})",
                        .. m.Label is null ? Array.Empty<string>() : [$"IDLABEL({Acf2Value(m.Label)})"]]);
                }

                writer.Command("END");
                break;

            case EsmFormat.Tss:
                foreach (var m in mappings)
                {
                    writer.Command([
                        $"TSS ADDTO({m.MainframeUserId})", $"IDMAP({RecordId(m)})",
                        $"IDMAPDN({Quoted(TssDistinguishedName(m.DistributedId))})", $"IDMAPRN({Quoted(m.Registry)})",
                        .. m.Label is null ? Array.Empty<string>() : [$"IDLABEL({Quoted(m.Label)})"]]);
                }

                break;

            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, null);
        }

        return writer.ToString();
    }

    /// <summary>
    /// The ACF2 record qualifier and Top Secret IDMAP record id (8 characters): derived from the mapping's key, so
    /// exporting again yields the same ids and re-applying a mapping collides instead of defining it twice.
    /// </summary>
    public static string RecordId(IdentityMapping mapping)
    {
        ArgumentNullException.ThrowIfNull(mapping);
        const string digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
        var id = new StringBuilder();
        for (var n = mapping.Id; n > 0; n /= 36)
        {
            id.Insert(0, digits[(int)(n % 36)]);
        }

        return "IDP" + id.ToString().PadLeft(5, '0');
    }

    /// <summary>A TSO quoted string: apostrophes inside are doubled.</summary>
    private static string Quoted(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>
    /// ACF2's published examples give IDMAP values unquoted; a value that holds an apostrophe, a parenthesis or
    /// edge blanks cannot be written that way and is quoted instead.
    /// </summary>
    private static string Acf2Value(string value)
        => value.IndexOfAny(['\'', '(', ')']) >= 0 || value.Trim().Length != value.Length ? Quoted(value) : value;

    /// <summary>
    /// Top Secret reads IDMAPDN as an X.500 name: \ &lt; &gt; + " and ; are escaped with a backslash (a semicolon would
    /// otherwise become a comma); = and , stay as the RDN delimiters they are in a DN.
    /// </summary>
    private static string TssDistinguishedName(string value)
    {
        var escaped = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (c is '\\' or '<' or '>' or '+' or '"' or ';')
            {
                escaped.Append('\\');
            }

            escaped.Append(c);
        }

        return escaped.ToString();
    }

    /// <summary>
    /// TSO commands are EBCDIC: a character outside printable ASCII would pass through a code page and arrive as
    /// something else (the ESM compares the UTF-8 bytes the gateway sends), so such a value is refused, not guessed.
    /// </summary>
    private static IEnumerable<string> Problems(IdentityMapping mapping)
    {
        foreach (var (what, value) in new[] { ("distributed identity", mapping.DistributedId), ("registry", mapping.Registry), ("label", mapping.Label) })
        {
            if (value is not null && value.Any(c => c is < ' ' or > '~'))
            {
                yield return string.Create(CultureInfo.InvariantCulture,
                    $"the {what} '{value}' of {mapping.MainframeUserId} has characters other than printable ASCII");
            }
        }
    }
}
