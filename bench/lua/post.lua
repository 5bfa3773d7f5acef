-- POST one JSON body again and again with an Authorization header:
-- wrk -s post.lua URL -- PATH BODY HEADER-NAME HEADER-VALUE
local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
dofile(here .. "report.lua")

local prepared

function init(args)
  local headers = { ["Content-Type"] = "application/json" }
  if args[3] then
    headers[args[3]] = args[4]
  end
  prepared = wrk.format("POST", args[1], headers, args[2])
end

function request()
  return prepared
end
