-- GET one path with an Authorization or Cookie header:
-- wrk -s get.lua URL -- PATH HEADER-NAME HEADER-VALUE
local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
dofile(here .. "report.lua")

local prepared

function init(args)
  local headers = {}
  if args[2] then
    headers[args[2]] = args[3]
  end
  prepared = wrk.format("GET", args[1], headers)
end

function request()
  return prepared
end
