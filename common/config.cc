#include "common/config.h"

#include <cstdlib>
#include <iostream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"

namespace scim {

Config::Config(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (!absl::StartsWith(arg, "--")) continue;
    auto eq = arg.find('=');
    if (eq == std::string::npos) {
      flags_.emplace_back(arg.substr(2), "true");
    } else {
      flags_.emplace_back(arg.substr(2, eq - 2), arg.substr(eq + 1));
    }
  }
}

std::string Config::Get(const std::string& flag, const char* env,
                        const std::string& fallback) const {
  std::string value = fallback;
  bool found = false;
  for (const auto& [name, v] : flags_) {
    if (name == flag) {
      value = v;
      found = true;
    }
  }
  if (!found && env != nullptr) {
    if (const char* e = std::getenv(env); e != nullptr && *e != '\0') {
      value = e;
    }
  }
  for (auto& [name, v] : seen_) {
    if (name == flag) {
      v = value;
      return value;
    }
  }
  seen_.emplace_back(flag, value);
  return value;
}

int Config::GetInt(const std::string& flag, const char* env,
                   int fallback) const {
  std::string s = Get(flag, env, std::to_string(fallback));
  int v = 0;
  if (!absl::SimpleAtoi(s, &v)) {
    std::cerr << "invalid integer for --" << flag << ": '" << s << "', using "
              << fallback << "\n";
    return fallback;
  }
  return v;
}

void Config::MarkSecret(const std::string& flag) { secrets_.push_back(flag); }

void Config::Print(const std::string& program) const {
  std::cerr << program << " configuration:\n";
  for (const auto& [name, v] : seen_) {
    bool secret = false;
    for (const auto& s : secrets_) secret |= (s == name);
    std::cerr << "  " << name << " = "
              << (secret ? (v.empty() ? "(unset)" : "(set)") : v) << "\n";
  }
}

}  // namespace scim
