-- wrk script of bench/api.py: counts non-2xx answers and prints one JSON summary line.
-- With the arguments "book EVENT_TYPE_ID FIRST_SLOT_EPOCH THREADS" each request books its
-- own 30-minute slot, the n-th one FIRST_SLOT_EPOCH + n * 1800.

local threads = {}
local booking = nil
local counter = 0
non_2xx = 0

function setup(thread)
  -- Each thread takes every THREADS-th slot, from its own offset.
  thread:set("offset", #threads)
  table.insert(threads, thread)
end

function init(args)
  if args[1] == "book" then
    booking = { event_type = args[2], first = tonumber(args[3]), threads = tonumber(args[4]) }
  end
end

function request()
  if booking == nil then
    return wrk.format()
  end
  local n = counter * booking.threads + offset
  counter = counter + 1
  local body = string.format(
    '{"eventTypeId":"%s","inviteeName":"Invitee %d","inviteeEmail":"invitee-%d-%d@bench.example",'
      .. '"inviteeTimezone":"UTC","startTime":"%s"}',
    booking.event_type, n, booking.first, n,
    os.date("!%Y-%m-%dT%H:%M:%SZ", booking.first + n * 1800)
  )
  return wrk.format("POST", nil, { ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non_2xx = non_2xx + 1
  end
end

function done(summary, latency, requests)
  local refused = 0
  for _, thread in ipairs(threads) do
    refused = refused + thread:get("non_2xx")
  end
  local errors = summary.errors
  io.write(string.format(
    'WRK_SUMMARY {"requests":%d,"duration_us":%d,"non_2xx":%d,"socket_errors":%d,'
      .. '"p50_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration, refused,
    errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50), latency:percentile(99)
  ))
end
