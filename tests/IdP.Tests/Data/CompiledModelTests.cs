using System.Text.RegularExpressions;
using IdP.Server.Data;
using IdP.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design.Internal;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Scaffolding;
using Microsoft.Extensions.DependencyInjection;

namespace IdP.Tests.Data;

/// <summary>
/// IdP loads its EF Core model compiled ahead of time (src/IdP.Server/Data/CompiledModels) instead of building it at
/// start-up, so a model change that is not compiled again would run on the old model. Each provider's compiled model
/// is generated here from the model code, as <c>dotnet ef dbcontext optimize</c> does, and compared file by file.
/// </summary>
public sealed partial class CompiledModelTests
{
    [Fact]
    public void the_compiled_sqlite_model_is_what_the_model_code_generates()
    {
        using var db = new DesignTimeDbContextFactory().CreateDbContext([]);
        AssertCompiledModelIsCurrent(db, "Sqlite");
    }

    [Fact]
    public void the_compiled_postgresql_model_is_what_the_model_code_generates()
    {
        using var db = new PostgreSqlDesignTimeDbContextFactory().CreateDbContext([]);
        AssertCompiledModelIsCurrent(db, "PostgreSql");
    }

    [Fact]
    public void the_server_runs_on_the_compiled_model()
    {
        using var idp = new IdpFactory();
        using var scope = idp.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<IdpDbContext>();

        // A compiled model is a generated RuntimeModel subclass; one built from the model code at start-up is not.
        Assert.StartsWith("IdP.Server.Data.CompiledModels.", db.Model.GetType().FullName, StringComparison.Ordinal);
    }

    private static void AssertCompiledModelIsCurrent(IdpDbContext db, string provider)
    {
        var committed = Path.Combine(Repository.Root, "src", "IdP.Server", "Data", "CompiledModels", provider);
        var generated = Directory.CreateTempSubdirectory("idp-compiled-model-").FullName;
        try
        {
#pragma warning disable EF1001 // EF Core's design-time services: what `dotnet ef dbcontext optimize` calls.
            var assembly = typeof(IdpDbContext).Assembly;
            var services = new DesignTimeServicesBuilder(assembly, assembly, new OperationReporter(handler: null), []).Build(db);
            services.GetRequiredService<ICompiledModelScaffolder>().ScaffoldModel(
                db.GetService<IDesignTimeModel>().Model,
                generated,
                new CompiledModelCodeGenerationOptions
                {
                    ContextType = db.GetType(),
                    ModelNamespace = $"IdP.Server.Data.CompiledModels.{provider}",
                    Language = "C#",
                    UseNullableReferenceTypes = true,
                });
#pragma warning restore EF1001

            const string Fix = "The compiled model is out of date: run migrations/compile-model.sh.";
            Assert.True(Names(generated).SequenceEqual(Names(committed)),
                $"{Fix} Generated: {string.Join(", ", Names(generated))}; committed: {string.Join(", ", Names(committed))}.");
            foreach (var name in Names(generated))
            {
                Assert.True(
                    Text(Path.Combine(generated, name)) == Text(Path.Combine(committed, name)),
                    $"{Fix} {provider}/{name} differs.");
            }
        }
        finally
        {
            Directory.Delete(generated, recursive: true);
        }

        static string[] Names(string folder)
            => [.. Directory.GetFiles(folder, "*.cs").Select(Path.GetFileName).Order(StringComparer.Ordinal)!];

        // Each generation draws a new model id (a Guid): the one thing that differs between two runs.
        static string Text(string path) => ModelId().Replace(File.ReadAllText(path).ReplaceLineEndings("\n"), "modelId: new Guid()");
    }

    [GeneratedRegex(@"modelId: new Guid\(""[0-9a-f-]+""\)")]
    private static partial Regex ModelId();
}
