namespace IdP.Tests.Infrastructure;

/// <summary>The repository the tests run from: its root is the folder above the test binaries that holds IdP.sln.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "IdP.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException("The repository root (IdP.sln) was not found above the test binaries.");
    }
}
