using System.Text;

namespace IdP.Server.Administration;

/// <summary>
/// Reads a new password, or another secret. Never from the command line, where it would end up in shell history and
/// in every process listing: from a prompt without echo at a terminal, otherwise as one line of standard input.
/// </summary>
public sealed class PasswordReader(TextReader input, TextWriter prompt)
{
    public string Read()
    {
        string? password;
        if (IsInteractive)
        {
            password = Prompt("New password: ");
            if (Prompt("Repeat the password: ") != password)
            {
                throw new AdministrationException("The two passwords differ; nothing was changed.");
            }
        }
        else
        {
            password = input.ReadLine()
                ?? throw new AdministrationException("Expected the password as one line on standard input, but the input was empty.");
        }

        if (password.Length == 0)
        {
            throw new AdministrationException("The password is empty.");
        }

        return password;
    }

    /// <summary>
    /// Reads another secret, such as a token's seed, the same way: prompted for once without echo at a terminal,
    /// otherwise one line of standard input.
    /// </summary>
    public string ReadSecret(string label, string description)
    {
        var secret = IsInteractive ? Prompt(label) : input.ReadLine();
        return string.IsNullOrWhiteSpace(secret)
            ? throw new AdministrationException($"Expected {description} as one line on standard input, but the input was empty.")
            : secret;
    }

    // Only the real console can be read without echo; a reader given by a caller (a pipe, a test) is read as is.
    private bool IsInteractive => ReferenceEquals(input, Console.In) && !Console.IsInputRedirected;

    private string Prompt(string label)
    {
        prompt.Write(label);
        prompt.Flush();
        var text = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                prompt.WriteLine();
                return text.ToString();
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (text.Length > 0)
                {
                    text.Length--;
                }
            }
            else if (!char.IsControl(key.KeyChar))
            {
                text.Append(key.KeyChar);
            }
        }
    }
}
