// Needs traits decide what runs here (NeedsTestFramework, shared with Tests/).
[assembly: TestFramework("OrleansMmo.Tests.Infrastructure.NeedsTestFramework", "OrleansMmo.ToolTests")]
