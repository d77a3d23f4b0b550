using IdP.Server.Clients;
using OpenIddict.EntityFrameworkCore.Models;

namespace IdP.Tests.Clients;

/// <summary>
/// Each request gets its own copy of a cached client or scope (OpenIddict's managers may change and save the
/// entity they were given). The copy is compiled from the entity's columns: it must carry every one of them.
/// </summary>
public sealed class CachedEntityCopyTests
{
    [Fact]
    public void a_cached_client_is_copied_into_a_new_object_with_every_column()
        => AssertCopiesEveryColumn<OpenIddictEntityFrameworkCoreApplication>("ClientId", "ClientSecret", "ClientType", "Permissions", "Settings", "ConcurrencyToken");

    [Fact]
    public void a_cached_scope_is_copied_into_a_new_object_with_every_column()
        => AssertCopiesEveryColumn<OpenIddictEntityFrameworkCoreScope>("Name", "Resources", "ConcurrencyToken");

    private static void AssertCopiesEveryColumn<T>(params string[] columnsThatMatter) where T : class, new()
    {
        var columns = ClientCacheSnapshot.Columns<T>.Properties;
        Assert.Superset(columnsThatMatter.ToHashSet(), columns.Select(p => p.Name).ToHashSet());

        var row = new T();
        foreach (var column in columns)
        {
            // Each column a value of its own, so a column copied into the wrong one shows.
            Assert.Equal(typeof(string), column.PropertyType);
            column.SetValue(row, column.Name + "-value");
        }

        var copy = ClientCacheSnapshot.Columns<T>.Copy(row);

        Assert.NotSame(row, copy);
        Assert.All(columns, column => Assert.Equal(column.Name + "-value", column.GetValue(copy)));
    }
}
