# Prints securekey.rb's answers to every vector in a vectors file (docs/key-format-vectors.json) as JSON, for
# test/unit/runtime/key-format-vectors.test.ts to compare with the expected ones: ruby run_vectors.rb VECTORS
require "json"
require_relative "securekey"

def env(record) = record.nil? ? {} : {"SECURE_KEY_RECORD" => record}
def verified((ok, refresh, slot)) = {ok: ok, refresh: refresh, slot: slot}
def pair(value) = SecureKey.parse(value).first

def parsed(value)
  pair, reason = SecureKey.parse(value)
  return {ok: false, reason: reason} if reason
  key = ->(k) { {fingerprint: k.fingerprint, standard: k.standard} }
  {ok: true, latest: key.(pair.latest), previous: key.(pair.previous)}
end

def phase(vector)
  staged = SecureKey.staged?("SECURE_KEY", env(vector["record"]))
  {staged: staged, presented: vector["presented"].map { |p| verified(SecureKey.verify(pair(vector["value"]), p["presented"], staged: staged)) }}
end

def fallback(vector)
  server, attempts = pair(vector["server"]["value"]), []
  staged = SecureKey.staged?("SECURE_KEY", env(vector["server"]["record"]))
  attempt = lambda do |key, slot|
    attempts << slot
    verified(SecureKey.verify(server, key, staged: staged))
  end
  result = SecureKey.present_with_fallback(pair(vector["client"]), attempt, ->(answer) { !answer[:ok] })
  {attempts: attempts, result: result}
end

vectors = JSON.parse(File.read(ARGV.fetch(0), encoding: "UTF-8"))
puts JSON.generate(
  fingerprint: vectors["fingerprint"].map { |v| SecureKey.fingerprint(v["key"]) },
  parse: vectors["parse"].map { |v| parsed(v["value"]) },
  verify: vectors["verify"].map { |v| verified(SecureKey.verify(pair(v["value"]), v["presented"])) },
  staged: vectors["staged"].map { |v| SecureKey.staged?("SECURE_KEY", env(v["record"])) },
  phases: vectors["phases"].map { |v| phase(v) },
  fallback: vectors["fallback"].map { |v| fallback(v) },
)
