// Needs traits decide what runs here (NeedsTestFramework); each test project that shares it names itself.
[assembly: TestFramework("OrleansMmo.Tests.Infrastructure.NeedsTestFramework", "OrleansMmo.Tests")]
