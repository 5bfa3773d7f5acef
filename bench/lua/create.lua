-- POST valid, distinct score bodies:
-- wrk -s create.lua URL -- PATH HEADER-NAME HEADER-VALUE (the Authorization header)
local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
dofile(here .. "report.lua")

-- Global, so that create_prediction.lua can post its own bodies with the same init().
path, headers = nil, nil
local counter = 0

function init(args)
  path = args[1]
  headers = { ["Content-Type"] = "application/json" }
  if args[2] then
    headers[args[2]] = args[3]
  end
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"prediction_id":"bench-%d-%d","scorer":"weave:///bench/scorers/object/exact_match:v1",'
      .. '"value":{"correct":%s,"score":%d,"reason":"counter %d"},"evaluation_run_id":"run-%d"}',
    id, counter, counter % 2 == 0 and "true" or "false", counter % 100, counter, counter % 10)
  return wrk.format("POST", path, headers, body)
end
