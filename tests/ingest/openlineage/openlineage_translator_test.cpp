// The OpenLineage fold (OpenLineageTranslator) and POST /lineage's intake over
// the Writer port (OpenLineageIntake): a job_observed fact only when a job's
// inputs or outputs change or a new run starts.

#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "ingest/openlineage/openlineage_encoder.h"
#include "ingest/openlineage/openlineage_intake.h"
#include "ingest/openlineage/openlineage_translator.h"
#include "support/recording_sink.h"

using namespace tributary;
using namespace tributary::ingest;
using namespace tributary::ingest::openlineage;
using tributary::testing::RecordingSink;

namespace {

const Timestamp kT0 = *ParseRfc3339("2026-04-01T08:00:00Z");
const std::string kBroker = "kafka://broker-1:9092";

ClusterDirectory Clusters() {
  return ClusterDirectory(std::vector<ClusterInfo>{{"local", "", {"broker-1:9092"}}});
}

const NodeId kJob = NodeId::Job("flink", "orders-enricher");
const NodeId kOrders = NodeId::Topic("local", "orders");
const NodeId kEnriched = NodeId::Topic("local", "orders.enriched");
const NodeId kAudit = NodeId::Topic("local", "orders.audit");

RunEventSpec Run(std::string event_type, std::string run_id, Timestamp at,
                 std::vector<LineageDataset> inputs = {{kBroker, "orders"}},
                 std::vector<LineageDataset> outputs = {{kBroker, "orders.enriched"}}) {
  RunEventSpec s;
  s.event_type = std::move(event_type);
  s.time = at;
  s.run_id = std::move(run_id);
  s.job_namespace = "flink";
  s.job_name = "orders-enricher";
  s.inputs = std::move(inputs);
  s.outputs = std::move(outputs);
  return s;
}

const std::string kRun1 = "0190e0a4-0000-7000-8000-000000000001";
const std::string kRun2 = "0190e0a4-0000-7000-8000-000000000002";

class Harness {
 public:
  explicit Harness(std::string prefix = "ol/") : prefix_(prefix), translator_(Clusters(), prefix) {}

  void Feed(const std::string& value) {
    RawRecord raw;
    raw.topic = "openlineage.events";
    raw.offset = next_offset_++;
    raw.value = value;
    translator_.Translate(raw, sink);
    translator_.Flush(sink);
  }
  void Feed(const RunEventSpec& spec) { Feed(EncodeRunEvent(spec)); }
  void Restart() {
    translator_ = OpenLineageTranslator(Clusters(), prefix_);
    REQUIRE(translator_.Restore(sink.FoldEntries()).ok());
  }
  OpenLineageTranslator& translator() { return translator_; }

  RecordingSink sink;

 private:
  std::string prefix_;
  OpenLineageTranslator translator_;
  std::int64_t next_offset_ = 0;
};

// The Writer port, recording each batch; told to fail, it stores nothing.
class FakeWriter final : public Writer {
 public:
  Result<AppendResult> Commit(Batch batch) override {
    std::this_thread::sleep_for(delay);
    if (fail) {
      return Unavailable("the log is down");
    }
    AppendResult r;
    r.appended = batch.events.size();
    batches.push_back(std::move(batch));
    return r;
  }
  bool fail = false;
  std::chrono::milliseconds delay{0};  // a slow writer
  std::vector<Batch> batches;
};

// CommittedState holding the fold state of the batches a FakeWriter stored.
class FakeCommittedState final : public CommittedState {
 public:
  explicit FakeCommittedState(const FakeWriter& writer) {
    for (const auto& b : writer.batches) {
      for (const auto& f : b.fold_state) {
        if (f.value) {
          fold_[f.key] = *f.value;
        } else {
          fold_.erase(f.key);
        }
      }
    }
  }
  Result<std::vector<SourceOffset>> Offsets(const std::string&) override {
    return std::vector<SourceOffset>{};
  }
  Result<std::vector<std::pair<std::string, std::string>>> FoldState(
      const std::string& prefix) override {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [k, v] : fold_) {
      if (k.rfind(prefix, 0) == 0) {
        out.emplace_back(k, v);
      }
    }
    return out;
  }

 private:
  std::map<std::string, std::string> fold_;
};

Result<WriteGrant> Allow(const NodeId&) { return WriteGrant{"ci-token", std::nullopt}; }

}  // namespace

TEST_CASE("OpenLineage run events fold into job_observed facts") {
  Harness h;

  SECTION("the first run of a job is a job_observed with its Kafka datasets as topics") {
    h.Feed(Run("START", kRun1, kT0));
    const auto facts = h.sink.Of<JobObserved>();
    REQUIRE(facts.size() == 1);
    CHECK(facts[0] == JobObserved{kJob, kRun1, "START", {kOrders}, {kEnriched}});
    CHECK(h.sink.events[0].time == kT0);
    CHECK(h.sink.quarantined.empty());
  }
  SECTION("RUNNING heartbeats and the COMPLETE of the same run add nothing") {
    h.Feed(Run("START", kRun1, kT0));
    h.Feed(Run("RUNNING", kRun1, kT0 + std::chrono::minutes(1), {}, {}));
    h.Feed(Run("RUNNING", kRun1, kT0 + std::chrono::minutes(2)));
    h.Feed(Run("COMPLETE", kRun1, kT0 + std::chrono::minutes(3)));
    CHECK(h.sink.events.size() == 1);
  }
  SECTION("a new run of the job is a fact, keeping the known datasets when it names none") {
    h.Feed(Run("START", kRun1, kT0));
    h.Feed(Run("START", kRun2, kT0 + std::chrono::hours(1), {}, {}));
    const auto facts = h.sink.Of<JobObserved>();
    REQUIRE(facts.size() == 2);
    CHECK(facts[1] == JobObserved{kJob, kRun2, "START", {kOrders}, {kEnriched}});
  }
  SECTION("a change of inputs or outputs within a run is a fact with the new sets") {
    h.Feed(Run("START", kRun1, kT0));
    h.Feed(Run("RUNNING", kRun1, kT0 + std::chrono::minutes(5), {{kBroker, "orders"}},
               {{kBroker, "orders.enriched"}, {kBroker, "orders.audit"}}));
    const auto facts = h.sink.Of<JobObserved>();
    REQUIRE(facts.size() == 2);
    CHECK(facts[1].event_type == "RUNNING");
    CHECK(facts[1].outputs == std::vector<NodeId>{kAudit, kEnriched});  // sorted by id
  }
  SECTION("datasets outside a configured cluster are dataset nodes") {
    h.Feed(Run("START", kRun1, kT0, {{"s3://warehouse", "orders/raw"}}, {}));
    const auto facts = h.sink.Of<JobObserved>();
    REQUIRE(facts.size() == 1);
    CHECK(facts[0].inputs == std::vector<NodeId>{NodeId::Dataset("s3://warehouse", "orders/raw")});
  }
  SECTION("a JobEvent declares a job's datasets once, and again only when they change") {
    JobEventSpec job;
    job.time = kT0;
    job.job_namespace = "flink";
    job.job_name = "orders-enricher";
    job.inputs = {{kBroker, "orders"}};
    h.Feed(EncodeJobEvent(job));
    h.Feed(EncodeJobEvent(job));
    REQUIRE(h.sink.Of<JobObserved>().size() == 1);
    CHECK(h.sink.Of<JobObserved>()[0].inputs == std::vector<NodeId>{kOrders});
    job.inputs.push_back({kBroker, "orders.audit"});
    h.Feed(EncodeJobEvent(job));
    CHECK(h.sink.Of<JobObserved>().size() == 2);
  }
  SECTION("DatasetEvents carry no edge and are skipped, not quarantined") {
    h.Feed(EncodeDatasetEvent({kT0, {kBroker, "orders"}}));
    CHECK(h.sink.events.empty());
    CHECK(h.sink.quarantined.empty());
    CHECK(h.sink.fold.empty());
  }
  SECTION("an undecodable document is quarantined and changes nothing") {
    h.Feed("{\"eventType\":\"START\"}");
    CHECK(h.sink.quarantined.size() == 1);
    CHECK(h.sink.events.empty());
    CHECK(h.sink.fold.empty());
  }
}

TEST_CASE("the OpenLineage fold state survives a restart from what Flush wrote") {
  Harness h;
  h.Feed(Run("START", kRun1, kT0));
  REQUIRE(h.sink.fold.size() == 1);
  CHECK(h.sink.fold.begin()->first == "ol/" + kJob.str());
  h.Restart();
  h.sink.ClearEvents();

  SECTION("the same run's heartbeat after a restart adds nothing") {
    h.Feed(Run("RUNNING", kRun1, kT0 + std::chrono::minutes(1)));
    CHECK(h.sink.events.empty());
  }
  SECTION("a new run after a restart is a fact with the restored datasets") {
    h.Feed(Run("START", kRun2, kT0 + std::chrono::hours(1), {}, {}));
    const auto facts = h.sink.Of<JobObserved>();
    REQUIRE(facts.size() == 1);
    CHECK(facts[0] == JobObserved{kJob, kRun2, "START", {kOrders}, {kEnriched}});
  }
  SECTION("nothing is written again for a fold that did not change") {
    const auto before = h.sink.fold;
    h.Feed(Run("COMPLETE", kRun1, kT0 + std::chrono::minutes(9)));
    CHECK(h.sink.fold == before);
  }
  SECTION("unreadable fold state is refused as corruption") {
    OpenLineageTranslator fresh(Clusters());
    CHECK(fresh.Restore({{"ol/" + kJob.str(), "\xff\xff"}}).code() == ErrorCode::kCorruption);
  }
}

TEST_CASE("two OpenLineage translators in one log keep their fold state apart") {
  RecordingSink log;  // one log's fold state, written by both
  OpenLineageTranslator topic(Clusters());
  OpenLineageTranslator http(Clusters(), OpenLineageIntake::kFoldPrefix);
  RawRecord raw;
  const auto value = EncodeRunEvent(Run("START", kRun1, kT0));
  raw.value = value;
  http.Translate(raw, log);
  http.Flush(log);
  REQUIRE(log.fold.size() == 1);
  CHECK(log.fold.begin()->first == std::string("ol-http/") + kJob.str());

  SECTION("each restores only the entries under its own prefix") {
    std::vector<std::pair<std::string, std::string>> ol_entries;
    for (const auto& [k, v] : log.fold) {
      if (k.rfind(topic.fold_prefix(), 0) == 0) {
        ol_entries.emplace_back(k, v);
      }
    }
    CHECK(ol_entries.empty());
    REQUIRE(topic.Restore(ol_entries).ok());
    log.ClearEvents();
    topic.Translate(raw, log);
    CHECK(log.Of<JobObserved>().size() == 1);  // the topic's translator had not seen the job
  }
}

TEST_CASE("POST /lineage: the intake folds and commits through the writer") {
  FakeWriter writer;
  OpenLineageIntake intake(Clusters(), writer);
  const auto start = EncodeRunEvent(Run("START", kRun1, kT0));

  SECTION("a new fact and its fold state are committed in one batch with the idempotency key") {
    const auto posted = intake.Post(start, "api:ci-token", Allow);
    REQUIRE(posted.ok());
    CHECK(posted->recorded);
    CHECK_FALSE(posted->duplicate);
    REQUIRE(writer.batches.size() == 1);
    const auto& batch = writer.batches[0];
    REQUIRE(batch.events.size() == 1);
    CHECK(std::get<JobObserved>(batch.events[0].event) ==
          JobObserved{kJob, kRun1, "START", {kOrders}, {kEnriched}});
    CHECK(batch.events[0].source == "api:ci-token");
    CHECK(batch.events[0].event_time == kT0);
    const auto decoded = DecodeOpenLineageEvent(start, Clusters());
    REQUIRE(decoded.ok());
    CHECK(batch.events[0].dedup_key == LineageIdempotencyKey(*decoded));
    REQUIRE(batch.fold_state.size() == 1);
    CHECK(batch.fold_state[0].key == std::string("ol-http/") + kJob.str());
    CHECK(batch.fold_state[0].value.has_value());
  }
  SECTION("a heartbeat of a known run commits nothing") {
    REQUIRE(intake.Post(start, "api:ci-token", Allow).ok());
    const auto beat =
        intake.Post(EncodeRunEvent(Run("RUNNING", kRun1, kT0 + std::chrono::minutes(1), {}, {})),
                    "api:ci-token", Allow);
    REQUIRE(beat.ok());
    CHECK_FALSE(beat->recorded);
    CHECK(writer.batches.size() == 1);
  }
  SECTION("a refused authorization writes nothing and returns the refusal") {
    std::vector<NodeId> asked;
    const auto refused =
        intake.Post(start, "api:ci-token", [&](const NodeId& job) -> Result<WriteGrant> {
          asked.push_back(job);
          return Status(ErrorCode::kPermissionDenied,
                        "token ci-token may not write job " + job.str());
        });
    CHECK(refused.status().code() == ErrorCode::kPermissionDenied);
    CHECK(asked == std::vector<NodeId>{kJob});
    CHECK(writer.batches.empty());
    // Nothing was folded either: the same event, allowed, is recorded.
    const auto allowed = intake.Post(start, "api:ci-token", Allow);
    REQUIRE(allowed.ok());
    CHECK(allowed->recorded);
  }
  SECTION("a failed commit leaves the fold as it was") {
    writer.fail = true;
    const auto failed = intake.Post(start, "api:ci-token", Allow);
    CHECK(failed.status().code() == ErrorCode::kUnavailable);
    writer.fail = false;
    const auto retried = intake.Post(start, "api:ci-token", Allow);
    REQUIRE(retried.ok());
    CHECK(retried->recorded);
    REQUIRE(writer.batches.size() == 1);
  }
  SECTION("a failed commit of a change keeps the job's earlier datasets") {
    REQUIRE(intake.Post(start, "api:ci-token", Allow).ok());
    const auto changed = EncodeRunEvent(Run("RUNNING", kRun1, kT0 + std::chrono::minutes(2),
                                            {{kBroker, "orders"}}, {{kBroker, "orders.audit"}}));
    writer.fail = true;
    CHECK_FALSE(intake.Post(changed, "api:ci-token", Allow).ok());
    writer.fail = false;
    // The old datasets are still what the job is known for...
    const auto same =
        intake.Post(EncodeRunEvent(Run("COMPLETE", kRun1, kT0 + std::chrono::minutes(3))),
                    "api:ci-token", Allow);
    REQUIRE(same.ok());
    CHECK_FALSE(same->recorded);
    // ...and the change, posted again, is recorded.
    const auto again = intake.Post(changed, "api:ci-token", Allow);
    REQUIRE(again.ok());
    CHECK(again->recorded);
    REQUIRE(writer.batches.size() == 2);
    CHECK(std::get<JobObserved>(writer.batches[1].events[0].event).outputs ==
          std::vector<NodeId>{kAudit});
  }
  SECTION("a DatasetEvent is accepted without asking, folding or writing") {
    bool asked = false;
    const auto posted = intake.Post(EncodeDatasetEvent({kT0, {kBroker, "orders"}}), "api:ci-token",
                                    [&](const NodeId&) {
                                      asked = true;
                                      return Status::Ok();
                                    });
    REQUIRE(posted.ok());
    CHECK_FALSE(posted->recorded);
    CHECK_FALSE(asked);
    CHECK(writer.batches.empty());
  }
  SECTION("a malformed document is refused as invalid, without asking or writing") {
    bool asked = false;
    const auto posted = intake.Post("{\"run\":{}}", "api:ci-token", [&](const NodeId&) {
      asked = true;
      return Status::Ok();
    });
    CHECK(posted.status().code() == ErrorCode::kInvalidArgument);
    CHECK_FALSE(asked);
    CHECK(writer.batches.empty());
  }
  SECTION("an intake restored from the committed fold state does not record a known run again") {
    REQUIRE(intake.Post(start, "api:ci-token", Allow).ok());
    FakeCommittedState committed(writer);
    OpenLineageIntake restarted(Clusters(), writer);
    REQUIRE(restarted.Restore(committed).ok());
    const auto again =
        restarted.Post(EncodeRunEvent(Run("COMPLETE", kRun1, kT0 + std::chrono::minutes(4))),
                       "api:ci-token", Allow);
    REQUIRE(again.ok());
    CHECK_FALSE(again->recorded);
    CHECK(writer.batches.size() == 1);
  }
  SECTION("a post that cannot get its turn behind a slow writer is unavailable, not queued") {
    writer.delay = std::chrono::milliseconds(2500);
    std::thread first([&] { (void)intake.Post(start, "api:ci-token", Allow); });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const auto began = std::chrono::steady_clock::now();
    const auto second =
        intake.Post(EncodeRunEvent(Run("START", "run-other", kT0)), "api:ci-token", Allow);
    const auto waited = std::chrono::steady_clock::now() - began;
    first.join();
    CHECK(second.status().code() == ErrorCode::kUnavailable);
    CHECK(waited < std::chrono::milliseconds(2000));  // its turn, not the whole queue
    CHECK(writer.batches.size() == 1);
  }
}
