# The securekey value in Ruby 3.0 or later, standard library only: see docs/key-format.md.
#
#   keys = SecureKey.read("SECURE_KEY")                 # ArgumentError naming the variable, never the value
#   ok, refresh, slot = SecureKey.verify(keys, presented, staged: SecureKey.staged?("SECURE_KEY"))
#   response = SecureKey.present_with_fallback(peer_keys, ->(key, slot) { call(key) }, ->(r) { r.code == "401" })
require "json"
require "openssl"

module SecureKey
  MESSAGE = "heroku-securekey/fingerprint/v1"
  STANDARD = /\A[0-9A-Fa-f]{64}\z/
  # What JavaScript's String.prototype.trim removes (Ruby's own strip differs).
  SPACE = "[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
  TRIM = /\A#{SPACE}+|#{SPACE}+\z/

  def self.trim(text) = text.gsub(TRIM, "")
  def self.key_bytes(text) = STANDARD.match?(text) ? [text].pack("H*") : text.b

  def self.fingerprint(key)
    "skfp1:" + OpenSSL::HMAC.hexdigest("SHA256", key_bytes(trim(key)), MESSAGE)[0, 16]
  end

  # One key: shows only its fingerprint; #reveal is for a client that must present it.
  class Key
    attr_reader :fingerprint, :standard

    def initialize(text)
      @fingerprint, @standard = SecureKey.fingerprint(text), STANDARD.match?(text)
      @bytes, @text = SecureKey.key_bytes(text), text
    end

    def matches?(presented)
      other = SecureKey.key_bytes(SecureKey.trim(presented))
      @bytes.bytesize == other.bytesize && OpenSSL.fixed_length_secure_compare(@bytes, other)
    end

    def reveal = @text
    def inspect = "SecureKey(#{fingerprint})"
    alias_method :to_s, :inspect
  end

  Pair = Struct.new(:latest, :previous) do
    def match(presented)
      latest_match, previous_match = latest.matches?(presented), previous.matches?(presented)
      latest_match ? "latest" : (previous_match ? "previous" : nil)
    end
  end

  # [pair, nil] or [nil, reason]; the reason never contains the value.
  def self.parse(value)
    text = trim(value.to_s)
    return [nil, "empty"] if text.empty?
    parts = text.split(",", -1).map { |part| trim(part) }
    return [nil, parts.size == 1 ? "one key" : "more than two keys"] if parts.size != 2
    return [nil, "empty key"] if parts.include?("")
    [Pair.new(Key.new(parts[0]), Key.new(parts[1])), nil]
  end

  def self.read(variable = "SECURE_KEY", env = ENV)
    pair, reason = parse(env[variable])
    return pair unless reason
    problem = reason == "empty" ? "is not set or empty" : "is malformed (#{reason})"
    raise ArgumentError, "#{variable} #{problem}: expected \"LATEST,PREVIOUS\" from the securekey add-on"
  end

  def self.staged?(variable = "SECURE_KEY", env = ENV)
    record = JSON.parse(env["#{variable}_RECORD"] || "{}")
    record.is_a?(Hash) && record["rotation"].is_a?(Hash) && record["rotation"]["phase"] == "staged"
  rescue JSON::ParserError
    false
  end

  # [ok, refresh, slot]: refresh never while staged, when PREVIOUS is the newer key.
  def self.verify(pair, presented, staged: false)
    slot = presented.nil? || presented.empty? ? nil : pair.match(presented)
    [!slot.nil?, slot == "previous" && !staged, slot]
  end

  def self.present_with_fallback(pair, attempt, rejected)
    first = attempt.call(pair.latest.reveal, "latest")
    rejected.call(first) ? attempt.call(pair.previous.reveal, "previous") : first
  end
end
