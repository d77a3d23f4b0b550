// The framework ceiling for scenario (h): the same host builder as IdP (configuration, logging, Kestrel defaults,
// Production environment), and endpoints that do nothing but answer 200 with an empty body. The bench sends them
// the very request the mapper gets (POST, JSON body, gateway cookie), so (f)/(h) compares like with like.
var builder = WebApplication.CreateSlimBuilder(args);
builder.WebHost.UseKestrelHttpsConfiguration();
var app = builder.Build();

app.MapGet("/", () => Results.Ok());
app.MapPost("/", () => Results.Ok());
app.MapGet("/health/ready", () => Results.Ok());

await app.RunAsync();
