using System.Reflection;
using System.Text.Json;
using IdP.Server.Accounts;
using IdP.Server.Administration;
using IdP.Server.Data;
using IdP.Server.Keys;
using IdP.Server.Mainframe.Mapper;
using IdP.Server.Mfa.Passkeys;
using IdP.Server.Protocol;
using Microsoft.Extensions.Configuration;

namespace IdP.Tests.Hosting;

/// <summary>appsettings.sample.json documents every setting with its true default, so operators can trust it.</summary>
public sealed class SampleSettingsTests
{
    public static TheoryData<string, Type> Sections => new()
    {
        { IdpServerOptions.SectionName, typeof(IdpServerOptions) },
        { DatabaseOptions.SectionName, typeof(DatabaseOptions) },
        { TokenOptions.SectionName, typeof(TokenOptions) },
        { IdP.Server.Clients.ClientCacheOptions.SectionName, typeof(IdP.Server.Clients.ClientCacheOptions) },
        { KeyOptions.SectionName, typeof(KeyOptions) },
        { KeyRingProtectionOptions.SectionName, typeof(KeyRingProtectionOptions) },
        { AccountOptions.SectionName, typeof(AccountOptions) },
        { DemoOptions.SectionName, typeof(DemoOptions) },
        { IdP.Server.Mfa.MfaOptions.SectionName, typeof(IdP.Server.Mfa.MfaOptions) },
        { PasskeyOptions.SectionName, typeof(PasskeyOptions) },
        { IdP.Server.Mainframe.MainframeOptions.SectionName, typeof(IdP.Server.Mainframe.MainframeOptions) },
        { MapperOptions.SectionName, typeof(MapperOptions) },
        { IdP.Server.Housekeeping.HousekeepingOptions.SectionName, typeof(IdP.Server.Housekeeping.HousekeepingOptions) },
        { IdP.Server.Housekeeping.AuditOptions.SectionName, typeof(IdP.Server.Housekeeping.AuditOptions) },
        { IdP.Server.Hosting.RateLimits.RateLimitsOptions.SectionName, typeof(IdP.Server.Hosting.RateLimits.RateLimitsOptions) },
        { IdP.Server.Observability.MetricsOptions.SectionName, typeof(IdP.Server.Observability.MetricsOptions) },
        { IdP.Server.Observability.TracingOptions.SectionName, typeof(IdP.Server.Observability.TracingOptions) },
    };

    [Theory]
    [MemberData(nameof(Sections))]
    public void every_setting_is_in_the_sample_with_its_default(string section, Type optionsType)
    {
        var sample = new ConfigurationBuilder().AddJsonFile(SamplePath()).Build().GetSection(section);
        var defaults = Activator.CreateInstance(optionsType)!;
        var documented = Activator.CreateInstance(optionsType)!;
        sample.Bind(documented);

        foreach (var property in optionsType.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            Assert.True(SampleHasKey(section, property.Name), $"appsettings.sample.json lacks {section}:{property.Name}.");
            Assert.Equal(JsonSerializer.Serialize(property.GetValue(defaults)), JsonSerializer.Serialize(property.GetValue(documented)));
        }

        // A child that is itself a documented section (Mfa:Passkeys) is checked as its own row.
        foreach (var child in sample.GetChildren().Where(c => Sections.All(row => (string)row[0] != $"{section}:{c.Key}")))
        {
            Assert.True(optionsType.GetProperty(child.Key) is not null, $"appsettings.sample.json documents {section}:{child.Key}, which IdP does not read.");
        }
    }

    private static bool SampleHasKey(string section, string key)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(SamplePath()), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        var element = document.RootElement;
        foreach (var name in section.Split(':')) // nested sections such as Mfa:Passkeys
        {
            element = element.GetProperty(name);
        }

        return element.TryGetProperty(key, out _);
    }

    private static string SamplePath()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "appsettings.sample.json");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("appsettings.sample.json not found above the test binaries.");
    }
}
