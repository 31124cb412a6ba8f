#include "governance/jq_program.h"

extern "C" {
#include <jq.h>
#include <jv.h>
}

#include <array>
#include <cctype>
#include <cstdint>

namespace tributary::governance {
namespace {

// Builtins that may not terminate over a finite input, or reach outside it.
constexpr std::array<std::string_view, 17> kRefused = {
    "def",          "range",      "repeat", "while",  "until",
    "recurse_down", "input",      "inputs", "env",    "$ENV",
    "halt",         "halt_error", "debug",  "stderr", "input_filename",
    "combinations", "$__loc__"};

bool IdentChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '$';
}

// Scans code from `i` until the end or (inside an interpolation) the closing
// parenthesis at depth 0; returns the refused construct found, or "".
std::string ScanCode(std::string_view p, std::size_t& i, bool in_interpolation);

std::string ScanString(std::string_view p, std::size_t& i) {
  ++i;  // the opening quote
  while (i < p.size()) {
    const char c = p[i];
    if (c == '"') {
      ++i;
      return "";
    }
    if (c == '\\' && i + 1 < p.size()) {
      if (p[i + 1] == '(') {
        i += 2;
        if (auto found = ScanCode(p, i, true); !found.empty()) {
          return found;
        }
        continue;
      }
      i += 2;
      continue;
    }
    ++i;
  }
  return "";
}

std::string ScanCode(std::string_view p, std::size_t& i, bool in_interpolation) {
  int depth = 0;
  while (i < p.size()) {
    const char c = p[i];
    if (c == '"') {
      if (auto found = ScanString(p, i); !found.empty()) {
        return found;
      }
      continue;
    }
    if (c == '#') {
      while (i < p.size() && p[i] != '\n') {
        ++i;
      }
      continue;
    }
    if (c == '(') {
      ++depth;
    } else if (c == ')') {
      if (in_interpolation && depth == 0) {
        ++i;
        return "";
      }
      --depth;
    }
    if (IdentChar(c)) {
      const std::size_t start = i;
      while (i < p.size() && IdentChar(p[i])) {
        ++i;
      }
      const auto word = p.substr(start, i - start);
      const bool field = start > 0 && p[start - 1] == '.';  // .range is a key, not the builtin
      if (!field) {
        for (const auto refused : kRefused) {
          if (word == refused) {
            return std::string(word);
          }
        }
        if (word == "recurse") {  // recurse alone walks the input; with a filter it may not end
          std::size_t j = i;
          while (j < p.size() && std::isspace(static_cast<unsigned char>(p[j])) != 0) {
            ++j;
          }
          if (j < p.size() && p[j] == '(') {
            return "recurse(f)";
          }
        }
      }
      continue;
    }
    ++i;
  }
  return "";
}

std::string JvToString(jv value) {
  std::string out;
  if (jv_get_kind(value) == JV_KIND_STRING) {
    out = jv_string_value(value);
    jv_free(value);
  } else {
    jv dumped = jv_dump_string(value, 0);
    out = jv_string_value(dumped);
    jv_free(dumped);
  }
  return out;
}

// The same value as jq would parse from `value.dump()`, built directly: no
// text in between (numbers become doubles, as jq's parser makes them; keys
// are inserted in the document's order). Strings that are not valid UTF-8
// get U+FFFD, as jv_string_sized does.
jv ToJv(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null:
    case nlohmann::json::value_t::discarded:
      return jv_null();
    case nlohmann::json::value_t::boolean:
      return jv_bool(value.get<bool>() ? 1 : 0);
    case nlohmann::json::value_t::number_integer:
      return jv_number(static_cast<double>(value.get<std::int64_t>()));
    case nlohmann::json::value_t::number_unsigned:
      return jv_number(static_cast<double>(value.get<std::uint64_t>()));
    case nlohmann::json::value_t::number_float:
      return jv_number(value.get<double>());
    case nlohmann::json::value_t::string: {
      const auto& text = value.get_ref<const std::string&>();
      return jv_string_sized(text.data(), static_cast<int>(text.size()));
    }
    case nlohmann::json::value_t::array: {
      jv out = jv_array_sized(static_cast<int>(value.size()));
      for (const auto& item : value) {
        out = jv_array_append(out, ToJv(item));
      }
      return out;
    }
    case nlohmann::json::value_t::object: {
      jv out = jv_object();
      for (const auto& [key, item] : value.items()) {
        out = jv_object_set(out, jv_string_sized(key.data(), static_cast<int>(key.size())),
                            ToJv(item));
      }
      return out;
    }
    case nlohmann::json::value_t::binary:
      break;
  }
  return jv_null();  // binary values do not occur in policy inputs
}

void CollectError(void* data, jv message) {
  auto* out = static_cast<std::string*>(data);
  if (!out->empty()) {
    *out += "; ";
  }
  *out += JvToString(jv_copy(message));
  jv_free(message);
}

}  // namespace

struct JqProgram::State {
  jq_state* jq = nullptr;
  std::string errors;  // what the error callback collected
  ~State() {
    if (jq != nullptr) {
      jq_teardown(&jq);
    }
  }
};

JqProgram::JqProgram(std::unique_ptr<State> state) : state_(std::move(state)) {}
JqProgram::~JqProgram() = default;

std::string RefusedConstruct(std::string_view program) {
  std::size_t i = 0;
  return ScanCode(program, i, false);
}

Result<std::unique_ptr<JqProgram>> JqProgram::Compile(std::string_view program) {
  if (auto refused = RefusedConstruct(program); !refused.empty()) {
    return InvalidArgument("`" + refused +
                           "` is not allowed in policy expressions (it may not terminate or "
                           "reads outside the policy input)");
  }
  auto state = std::make_unique<State>();
  state->jq = jq_init();
  if (state->jq == nullptr) {
    return Internal("jq: cannot initialise");
  }
  jq_set_error_cb(state->jq, CollectError, &state->errors);
  const std::string text(program);
  if (jq_compile(state->jq, text.c_str()) == 0) {
    std::string message = state->errors.empty() ? "does not compile" : state->errors;
    return InvalidArgument("jq: " + message);
  }
  state->errors.clear();
  return std::unique_ptr<JqProgram>(new JqProgram(std::move(state)));
}

struct JqInput::Value {
  jv value;
  ~Value() { jv_free(value); }
};

JqInput::JqInput(std::unique_ptr<Value> value) : value_(std::move(value)) {}
JqInput::JqInput(JqInput&&) noexcept = default;
JqInput& JqInput::operator=(JqInput&&) noexcept = default;
JqInput::~JqInput() = default;

Result<JqInput> JqInput::Parse(const nlohmann::json& input) {
  auto value = std::make_unique<Value>();
  value->value = ToJv(input);
  return JqInput(std::move(value));
}

Result<nlohmann::json> JqProgram::Evaluate(const nlohmann::json& input) const {
  auto parsed = JqInput::Parse(input);
  if (!parsed.ok()) {
    return parsed.status();
  }
  return Evaluate(*parsed);
}

Result<nlohmann::json> JqProgram::Evaluate(const JqInput& input) const {
  std::lock_guard lock(mu_);
  jv parsed = jv_copy(input.value_->value);
  state_->errors.clear();
  jq_start(state_->jq, parsed, 0);
  jv result = jq_next(state_->jq);
  if (jv_is_valid(result)) {
    jv dumped = jv_dump_string(result, 0);
    auto out = nlohmann::json::parse(jv_string_value(dumped), nullptr, false);
    jv_free(dumped);
    if (out.is_discarded()) {
      return Internal("jq: output is not JSON");
    }
    return out;
  }
  if (jv_invalid_has_msg(jv_copy(result))) {
    jv msg = jv_invalid_get_msg(result);
    return InvalidArgument(JvToString(msg));
  }
  jv_free(result);
  if (jq_halted(state_->jq) != 0) {
    return InvalidArgument("halted");
  }
  return nlohmann::json(nullptr);  // no output at all (e.g. `empty`)
}

}  // namespace tributary::governance
