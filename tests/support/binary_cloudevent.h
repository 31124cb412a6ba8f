#pragma once
// A CloudEvent in the binary content mode of the Kafka protocol binding
// (cloudevents/bindings/kafka-protocol-binding.md §3.2), made from the same event
// in structured mode: every attribute but `data` becomes a `ce_<name>` header,
// `datacontenttype` the `content-type` header, and `data` the record value.

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "ingest/raw_record.h"

namespace tributary::testing {

struct BinaryCloudEvent {
  std::vector<std::pair<std::string, std::string>> headers;  // name, value
  std::string value;

  explicit BinaryCloudEvent(const nlohmann::json& structured) {
    for (const auto& [name, attribute] : structured.items()) {
      if (name == "data") {
        value = attribute.dump();
      } else if (name == "datacontenttype") {
        headers.emplace_back("content-type", attribute.get<std::string>());
      } else if (attribute.is_string()) {
        headers.emplace_back("ce_" + name, attribute.get<std::string>());
      }  // an object-valued member (not a CloudEvents attribute) has no header
    }
  }

  // The header without `name` (every header of that name).
  BinaryCloudEvent& Without(const std::string& name) {
    std::erase_if(headers, [&](const auto& h) { return h.first == name; });
    return *this;
  }
  BinaryCloudEvent& With(std::string name, std::string header_value) {
    headers.emplace_back(std::move(name), std::move(header_value));
    return *this;
  }

  // The headers as a RawRecord carries them; views into this object.
  std::vector<ingest::RecordHeader> View() const {
    std::vector<ingest::RecordHeader> out;
    for (const auto& [name, header_value] : headers) {
      out.push_back({name, header_value});
    }
    return out;
  }
};

}  // namespace tributary::testing
