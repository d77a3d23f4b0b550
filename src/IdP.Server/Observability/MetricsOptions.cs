using System.ComponentModel.DataAnnotations;
using System.Net;

namespace IdP.Server.Observability;

/// <summary>
/// The Prometheus scrape endpoint. Bound from the <c>Metrics</c> configuration section. Off by default: the counters
/// say how many sign-ins fail and which clients are busy, which is nobody's business on a public URL.
/// </summary>
/// <remarks>Note: arrays default to null, because configuration binding appends to a pre-filled list.</remarks>
public sealed class MetricsOptions : IValidatableObject
{
    public const string SectionName = "Metrics";

    /// <summary>Collect metrics and answer scrapes at <see cref="Path"/>.</summary>
    public bool Enabled { get; set; }

    /// <summary>Where Prometheus scrapes (text exposition format).</summary>
    public string Path { get; set; } = "/metrics";

    /// <summary>
    /// Who may scrape: IP addresses and CIDR networks, matched against the client address (after a trusted proxy's
    /// X-Forwarded-For). Null means loopback only. Anyone else gets 404, as if there were no such path.
    /// </summary>
    public string[]? AllowedNetworks { get; set; }

    /// <summary>The networks a scrape may come from, with single addresses as /32 or /128 networks.</summary>
    public IReadOnlyList<IPNetwork> EffectiveAllowedNetworks()
        => AllowedNetworks is { Length: > 0 } entries
            ? [.. entries.Select(entry => TryParseNetwork(entry, out var network) ? network : throw new FormatException($"'{entry}' is not an address or network."))]
            : [IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("::1/128")];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(Path) || !Path.StartsWith('/') || Path.Length < 2 || Path.IndexOfAny(['?', '#', ' ']) >= 0)
        {
            yield return new ValidationResult("Metrics:Path must be an absolute path such as /metrics, with no query.", [nameof(Path)]);
        }

        foreach (var entry in (AllowedNetworks ?? []).Where(e => !TryParseNetwork(e, out _)))
        {
            yield return new ValidationResult(
                $"Metrics:AllowedNetworks: '{entry}' is neither an IP address nor a CIDR network such as 10.0.0.0/8.", [nameof(AllowedNetworks)]);
        }
    }

    private static bool TryParseNetwork(string? entry, out IPNetwork network)
    {
        network = default;
        var trimmed = entry?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            return false;
        }

        if (IPAddress.TryParse(trimmed, out var address) && !trimmed.Contains('/', StringComparison.Ordinal))
        {
            network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }

        return IPNetwork.TryParse(trimmed, out network);
    }
}
