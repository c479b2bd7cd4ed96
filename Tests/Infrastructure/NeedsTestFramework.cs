using System.Reflection;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace OrleansMmo.Tests.Infrastructure;

/// <summary>
/// xunit's own framework, with one rule added: a test whose <c>Needs</c> traits are not met on this machine
/// (<see cref="TestTraits.UnmetNeeds"/>) is reported skipped with the reason, and a class or collection
/// fixture is not started when every test that would use it is skipped. So a plain <c>dotnet test</c>
/// without PostgreSQL or the native cluster ends green and names what it skipped, instead of failing in a
/// fixture that reaches for a server. The rule is applied when tests run, not when they are discovered,
/// so the environment of the run decides.
/// </summary>
public sealed class NeedsTestFramework(IMessageSink messageSink) : XunitTestFramework(messageSink)
{
    protected override ITestFrameworkExecutor CreateExecutor(AssemblyName assemblyName) =>
        new Executor(assemblyName, SourceInformationProvider, DiagnosticMessageSink);

    private static IReadOnlyList<string> UnmetNeeds(ITestCase testCase) =>
        TestTraits.UnmetNeeds(testCase.Traits.TryGetValue(TestTraits.Needs, out var needs) ? needs : []);

    /// <summary>The reason <paramref name="testCase"/> is skipped: its own <c>Skip</c>, or its unmet needs.</summary>
    private static string? SkipReason(ITestCase testCase) =>
        testCase.SkipReason ?? (UnmetNeeds(testCase) is { Count: > 0 } unmet ? string.Join("; ", unmet) : null);

    private static bool AllSkipped(IEnumerable<ITestCase> testCases) => testCases.All(testCase => SkipReason(testCase) is not null);

    private sealed class Executor(AssemblyName assemblyName, ISourceInformationProvider sourceInformation, IMessageSink diagnostics)
        : XunitTestFrameworkExecutor(assemblyName, sourceInformation, diagnostics)
    {
        // The shape of xunit's own override (an async void entry point): the assembly runner reports every
        // outcome, errors included, through the message sinks.
        protected override async void RunTestCases(IEnumerable<IXunitTestCase> testCases, IMessageSink executionMessageSink, ITestFrameworkExecutionOptions executionOptions)
        {
            // One line per unmet need, first: at its default verbosity the console names skipped tests
            // without their reason.
            foreach (var unmet in testCases.Where(t => t.SkipReason is null).SelectMany(UnmetNeeds).GroupBy(reason => reason))
            {
                DiagnosticMessageSink.OnMessage(new DiagnosticMessage($"skipped {unmet.Count()} test(s): {unmet.Key}"));
            }

            using var runner = new AssemblyRunner(TestAssembly, testCases, DiagnosticMessageSink, executionMessageSink, executionOptions);
            await runner.RunAsync();
        }
    }

    private sealed class AssemblyRunner(
        ITestAssembly testAssembly,
        IEnumerable<IXunitTestCase> testCases,
        IMessageSink diagnostics,
        IMessageSink executionMessageSink,
        ITestFrameworkExecutionOptions executionOptions)
        : XunitTestAssemblyRunner(testAssembly, testCases, diagnostics, executionMessageSink, executionOptions)
    {
        protected override Task<RunSummary> RunTestCollectionAsync(
            IMessageBus messageBus, ITestCollection testCollection, IEnumerable<IXunitTestCase> testCases, CancellationTokenSource cancellationTokenSource) =>
            new CollectionRunner(testCollection, testCases, DiagnosticMessageSink, messageBus, TestCaseOrderer, new ExceptionAggregator(Aggregator), cancellationTokenSource).RunAsync();
    }

    private sealed class CollectionRunner(
        ITestCollection testCollection,
        IEnumerable<IXunitTestCase> testCases,
        IMessageSink diagnostics,
        IMessageBus messageBus,
        ITestCaseOrderer testCaseOrderer,
        ExceptionAggregator aggregator,
        CancellationTokenSource cancellationTokenSource)
        : XunitTestCollectionRunner(testCollection, testCases, diagnostics, messageBus, testCaseOrderer, aggregator, cancellationTokenSource)
    {
        protected override Task AfterTestCollectionStartingAsync() =>
            AllSkipped(TestCases) ? Task.CompletedTask : base.AfterTestCollectionStartingAsync();

        protected override Task<RunSummary> RunTestClassAsync(ITestClass testClass, IReflectionTypeInfo @class, IEnumerable<IXunitTestCase> testCases) =>
            new ClassRunner(testClass, @class, testCases, DiagnosticMessageSink, MessageBus, TestCaseOrderer, new ExceptionAggregator(Aggregator), CancellationTokenSource, CollectionFixtureMappings).RunAsync();
    }

    private sealed class ClassRunner(
        ITestClass testClass,
        IReflectionTypeInfo @class,
        IEnumerable<IXunitTestCase> testCases,
        IMessageSink diagnostics,
        IMessageBus messageBus,
        ITestCaseOrderer testCaseOrderer,
        ExceptionAggregator aggregator,
        CancellationTokenSource cancellationTokenSource,
        IDictionary<Type, object> collectionFixtureMappings)
        : XunitTestClassRunner(testClass, @class, testCases, diagnostics, messageBus, testCaseOrderer, aggregator, cancellationTokenSource, collectionFixtureMappings)
    {
        // Without its fixtures the class cannot be constructed; a skipped test never constructs it.
        protected override Task AfterTestClassStartingAsync() =>
            AllSkipped(TestCases) ? Task.CompletedTask : base.AfterTestClassStartingAsync();

        protected override Task<RunSummary> RunTestMethodAsync(ITestMethod testMethod, IReflectionMethodInfo method, IEnumerable<IXunitTestCase> testCases, object[] constructorArguments) =>
            new MethodRunner(testMethod, Class, method, testCases, DiagnosticMessageSink, MessageBus, new ExceptionAggregator(Aggregator), CancellationTokenSource, constructorArguments).RunAsync();
    }

    private sealed class MethodRunner : XunitTestMethodRunner
    {
        private readonly object[] _constructorArguments;

        public MethodRunner(
            ITestMethod testMethod,
            IReflectionTypeInfo @class,
            IReflectionMethodInfo method,
            IEnumerable<IXunitTestCase> testCases,
            IMessageSink diagnostics,
            IMessageBus messageBus,
            ExceptionAggregator aggregator,
            CancellationTokenSource cancellationTokenSource,
            object[] constructorArguments)
            : base(testMethod, @class, method, testCases, diagnostics, messageBus, aggregator, cancellationTokenSource, constructorArguments) =>
            _constructorArguments = constructorArguments;

        protected override Task<RunSummary> RunTestCaseAsync(IXunitTestCase testCase) =>
            testCase.SkipReason is null && SkipReason(testCase) is { } unmet
                ? new XunitTestCaseRunner(testCase, testCase.DisplayName, unmet, _constructorArguments, testCase.TestMethodArguments, MessageBus, new ExceptionAggregator(Aggregator), CancellationTokenSource).RunAsync()
                : base.RunTestCaseAsync(testCase);
    }
}
